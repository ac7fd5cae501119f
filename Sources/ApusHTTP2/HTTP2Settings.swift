/// What a server session offers its client and enforces (the `http2:` settings of a
/// listener). The defaults follow nginx's and the usual browser expectations.
public struct HTTP2Settings: Equatable, Sendable {
    /// Streams a client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
    public var maxConcurrentStreams: UInt32 = 128
    /// Bytes a stream may send before Apus opens its window again (SETTINGS_INITIAL_WINDOW_SIZE).
    /// The window reopens as the request body is passed on: that is the backpressure.
    public var initialWindowSize: UInt32 = 65_535
    /// The largest decoded header list of a request (name + value + 32 per field, as
    /// SETTINGS_MAX_HEADER_LIST_SIZE counts it); a larger one is answered 431.
    public var maxHeaderListSize: UInt32 = 32_768
    /// The HPACK dynamic table the client may use towards Apus (SETTINGS_HEADER_TABLE_SIZE).
    public var headerTableSize: UInt32 = 4_096
    /// RST_STREAM frames a client may send in a burst, and per second after it, before the
    /// connection is closed (rapid reset, CVE-2023-44487).
    public var resetBurst: UInt64 = 1_000
    public var resetsPerSecond: UInt64 = 33
    /// CONTINUATION frames after one HEADERS frame before the connection is closed.
    public var maxContinuations: Int = 8
    /// Empty DATA frames that do not end their stream a client may send on one connection
    /// before it is closed with ENHANCE_YOUR_CALM: they cost work and carry nothing
    /// (CVE-2019-9518), and libnghttp2 does not limit them.
    public var maxEmptyDataFrames: Int = 256

    public init() {}
}
