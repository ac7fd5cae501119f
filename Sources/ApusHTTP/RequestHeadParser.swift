/// Parses a request head (request line + headers) strictly, per DESIGN.md's HTTP rules.
///
/// Incremental: call `parse` each time more bytes arrived, always with the buffer starting
/// at the first byte of the head; the parser remembers how far it scanned for the blank
/// line and resumes there. Zero-copy: results are offsets into the caller's buffer.
public struct RequestHeadParser: Sendable {
    public var limits: HTTPLimits

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Forgets the scan position (call before parsing the next request's head).
    public mutating func reset() {}

    public mutating func parse(_ buffer: UnsafeRawBufferPointer, into head: inout RequestHead) -> HeadParseResult {
        fatalError("RequestHeadParser.parse: not implemented yet")
    }
}
