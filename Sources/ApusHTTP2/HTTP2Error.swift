/// A connection-level failure: send what `HTTP2ServerSession.nextOutput` still gives (a
/// GOAWAY, when libnghttp2 could queue one; a flood of CONTINUATION frames stops it at
/// once), then close.
public struct HTTP2Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// libnghttp2's error code (negative), e.g. -505 for a bad client preface.
    public var code: Int32
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "HTTP/2: \(message) (\(code))" }
}
