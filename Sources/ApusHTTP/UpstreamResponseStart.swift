/// An upstream's answer up to its final head: interim responses (1xx, except 101, which
/// ends the head sequence as a protocol switch) are skipped, and a bounded number of them.
/// RFC 9110 §15.2 lets a server send any number; real ones send one or two (100 Continue,
/// 103 Early Hints), and an upstream that sends them forever must not hold a worker.
///
/// Fed as the worker feeds it: the bytes read so far, from the start of the current head.
public struct UpstreamResponseStart: Sendable {
    public var parser: ResponseHeadParser
    public let maxInterimResponses: Int
    public private(set) var interimResponses = 0

    public enum Step: Equatable, Sendable {
        case needMore
        /// An interim head of `length` bytes was read; drop them and call again.
        case interim(length: Int)
        /// `head` is the final response head.
        case final
        /// More interim heads than `maxInterimResponses`.
        case tooManyInterimResponses
        case failed(HTTPParseError)
    }

    /// `maxInterimResponses`: servers send one or two, never dozens.
    public init(parser: ResponseHeadParser = ResponseHeadParser(), maxInterimResponses: Int = 16) {
        self.parser = parser
        self.maxInterimResponses = maxInterimResponses
    }

    /// For the next exchange on the connection.
    public mutating func reset() {
        parser.reset()
        interimResponses = 0
    }

    @inlinable
    public mutating func step(_ bytes: UnsafeRawBufferPointer, requestMethod: HTTPMethod, into head: inout ResponseHead) -> Step {
        switch parser.parse(bytes, requestMethod: requestMethod, into: &head) {
        case .needMore:
            return .needMore
        case .failed(let error):
            return .failed(error)
        case .complete:
            guard head.status >= 100 && head.status < 200 && head.status != 101 else { return .final }
            return interimRead(&head)
        }
    }

    @usableFromInline
    mutating func interimRead(_ head: inout ResponseHead) -> Step {
        interimResponses += 1
        guard interimResponses <= maxInterimResponses else { return .tooManyInterimResponses }
        let length = head.headLength
        parser.reset()
        head.reset()
        return .interim(length: length)
    }
}
