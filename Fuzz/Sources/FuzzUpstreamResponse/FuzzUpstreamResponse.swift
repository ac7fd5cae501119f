import ApusHTTP

/// The upstream's side of an exchange as a worker reads it: a stream of interim heads, a
/// final head and the start of a body, arriving in pieces whose sizes the input chooses.
/// Properties: the same outcome however the bytes are split (verdict, interim heads read,
/// bytes consumed, final status and framing); never more interim heads than the bound;
/// offsets inside what arrived; a final head is never an interim status.
///
/// Input: byte 0 picks the method (bit 0) and seeds the split sizes; the rest is the stream.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 1 else { return 0 }
    let method: HTTPMethod = data[0] & 1 == 0 ? .get : .head
    let stream = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let whole = read(stream, method: method, pieces: { _ in stream.count })
    var seed = UInt32(data[0]) | 1
    let split = read(stream, method: method, pieces: { _ in
        seed = seed &* 1_103_515_245 &+ 12_345
        return Int(seed >> 16) % 7 + 1
    })
    precondition(whole == split, "split reading disagrees: \(whole) vs \(split)")
    // The head past the bound is counted, then refused.
    precondition(whole.interim <= 4 || whole.verdict == "too many interim" && whole.interim == 5, "\(whole)")
    precondition(whole.consumed <= stream.count)
    return 0
}

struct Outcome: Equatable, CustomStringConvertible {
    var verdict: String
    var interim: Int
    /// Bytes of interim heads and the final head.
    var consumed: Int
    var status = 0
    var framing = ""
    var description: String { "\(verdict) after \(interim) interim, \(consumed) bytes, status \(status) \(framing)" }
}

/// Feeds `stream` as reads of `pieces(n)` bytes, as the worker's input buffer fills.
func read(_ stream: [UInt8], method: HTTPMethod, pieces: (Int) -> Int) -> Outcome {
    var start = UpstreamResponseStart(parser: ResponseHeadParser(maxHeadBytes: 2_048, maxHeaderCount: 20), maxInterimResponses: 4)
    var head = ResponseHead()
    var buffered: [UInt8] = []
    var delivered = 0
    var consumed = 0
    var reads = 0
    func deliver() -> Bool {
        guard delivered < stream.count else { return false }
        let count = min(max(pieces(reads), 1), stream.count - delivered)
        reads += 1
        buffered += stream[delivered..<(delivered + count)]
        delivered += count
        return true
    }
    while true {
        let step = buffered.withUnsafeBytes { start.step($0, requestMethod: method, into: &head) }
        switch step {
        case .needMore:
            if !deliver() { return Outcome(verdict: "incomplete", interim: start.interimResponses, consumed: consumed) }
        case .interim(let length):
            precondition(length > 0 && length <= buffered.count, "interim head of \(length) bytes with \(buffered.count) read")
            buffered.removeFirst(length)
            consumed += length
        case .tooManyInterimResponses:
            return Outcome(verdict: "too many interim", interim: start.interimResponses, consumed: consumed)
        case .failed(let error):
            return Outcome(verdict: "failed \(error.reason)", interim: start.interimResponses, consumed: consumed)
        case .final:
            precondition(head.headLength <= buffered.count)
            precondition(head.status == 101 || !(100..<200).contains(head.status), "interim status \(head.status) taken as final")
            consumed += head.headLength
            return Outcome(verdict: "final", interim: start.interimResponses, consumed: consumed, status: head.status, framing: "\(head.framing)")
        }
    }
}
