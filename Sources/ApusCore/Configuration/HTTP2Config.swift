/// What every listener serving HTTP/2 offers its clients and enforces (`http2:`). The
/// defaults are nginx's where nginx has one.
public struct HTTP2Config: Equatable, Sendable {
    /// Streams a client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
    public var maxConcurrentStreams = 128
    /// Request body bytes a stream may send ahead of the upstream taking them
    /// (SETTINGS_INITIAL_WINDOW_SIZE): the backpressure of an upload.
    public var initialWindowSize = 65_535
    /// The largest header list of a request (SETTINGS_MAX_HEADER_LIST_SIZE); a larger one is
    /// answered 431.
    public var maxHeaderListSize = 32_768
    /// The HPACK table a client may make Apus keep per connection (SETTINGS_HEADER_TABLE_SIZE).
    public var headerTableSize = 4_096
    /// A connection with no stream open is closed, after a GOAWAY, after this many
    /// milliseconds; nil: `timeouts.keepalive`, as nginx does since 1.19.7.
    public var idleTimeout: Int?

    /// The largest values the config accepts: the protocol's limit for the window, and a
    /// bound that keeps one connection's memory small for the others.
    public static let largestWindow = 2_147_483_647
    public static let largestStreams = 10_000
    public static let largestHeaderBytes = 1 << 20

    public init() {}
}
