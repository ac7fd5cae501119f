import ApusHTTP
import Testing

/// An upstream's head sequence: interim heads skipped up to the bound, 101 final.
@Suite struct UpstreamResponseStartTests {
    /// Reads `text` as the worker does, all at once; the steps taken, then the final status.
    static func steps(_ text: String, bound: Int = 16) -> (steps: [UpstreamResponseStart.Step], status: Int) {
        var start = UpstreamResponseStart(maxInterimResponses: bound)
        var head = ResponseHead()
        var bytes = Array(text.utf8)
        var steps: [UpstreamResponseStart.Step] = []
        while true {
            let step = bytes.withUnsafeBytes { start.step($0, requestMethod: .get, into: &head) }
            steps.append(step)
            guard case .interim(let length) = step else { return (steps, head.status) }
            bytes.removeFirst(length)
        }
    }

    @Test func interimHeadsAreSkipped() {
        let (steps, status) = Self.steps("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        #expect(steps == [.interim(length: 25), .interim(length: 44), .final])
        #expect(status == 200)
    }

    @Test func switchingProtocolsIsFinal() {
        #expect(Self.steps("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n").steps == [.final])
    }

    /// One interim head past the bound ends the sequence; the bound itself still passes.
    @Test func interimHeadsAreBounded() {
        let continues = String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: 4)
        #expect(Self.steps(continues + "HTTP/1.1 204 No Content\r\n\r\n", bound: 4).steps.last == .final)
        #expect(Self.steps(continues + "HTTP/1.1 100 Continue\r\n\r\n", bound: 4).steps.last == .tooManyInterimResponses)
    }

    @Test func incompleteAndInvalidHeads() {
        #expect(Self.steps("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200").steps.last == .needMore)
        guard case .failed? = Self.steps("HTTP/1.1 100 Continue\r\n\r\nnot http\r\n\r\n").steps.last else {
            Issue.record("garbage after an interim head must fail")
            return
        }
    }
}
