/// One worker's counters since its last flush to the `MetricsRegistry`.
///
/// Request series live in the worker's `RequestSeriesTable`; they are turned into labels
/// only when flushed. Thread rule: owned by one worker.
struct WorkerCounters {
    struct Delta {
        var series: [RequestSeriesKey: [UInt64]] = [:]
        var adminRequests: [Int: UInt64] = [:]
        var upstreamErrors: [MetricsRegistry.UpstreamErrorKey: UInt64] = [:]
        var activeConnections = 0
        var accepted: UInt64 = 0
        var tlsHandshakeFailures: UInt64 = 0
        var proxyProtocolRefusals: UInt64 = 0
        var basicAuthChecks: UInt64 = 0
        var errorBackendRequests: UInt64 = 0
        var limitRefusals: UInt64 = 0
        var externalAuth = ExternalAuthCounts()
        var gzip = GzipCounts()
        var tunnels = TunnelCounters()
        var naps = NapCounts()
        var http2 = HTTP2Counts()
    }

    /// HTTP/2 connections and streams, downstream and upstream: counts since the last flush,
    /// and the downstream streams open at the flush.
    struct HTTP2Counts {
        var connections: UInt64 = 0
        var streams: UInt64 = 0
        var goAways: UInt64 = 0
        var connectionErrors: UInt64 = 0
        var activeStreams = 0
        /// Connections opened to HTTP/2 upstreams, and the streams sent on them.
        var upstreamConnections: UInt64 = 0
        var upstreamStreams: UInt64 = 0

        mutating func add(_ other: HTTP2Counts) {
            connections += other.connections
            streams += other.streams
            upstreamConnections += other.upstreamConnections
            upstreamStreams += other.upstreamStreams
            goAways += other.goAways
            connectionErrors += other.connectionErrors
        }
    }

    /// Answers of external-auth services by what they meant, and answers taken from the cache.
    struct ExternalAuthCounts {
        var allowed: UInt64 = 0
        var unauthorized: UInt64 = 0
        var forbidden: UInt64 = 0
        /// Unreachable, timed out, or an answer that is none of 2xx, 401 and 403.
        var failed: UInt64 = 0
        var cacheHits: UInt64 = 0

        mutating func add(_ other: ExternalAuthCounts) {
            allowed += other.allowed
            unauthorized += other.unauthorized
            forbidden += other.forbidden
            failed += other.failed
            cacheHits += other.cacheHits
        }
    }

    /// Naps taken (`IdleNaps`), and how many of them ended with events ready.
    struct NapCounts {
        var taken: UInt64 = 0
        var withEvents: UInt64 = 0
    }

    /// Responses sent gzip-compressed and their bytes before and after.
    struct GzipCounts {
        var responses: UInt64 = 0
        var bytesIn: UInt64 = 0
        var bytesOut: UInt64 = 0
    }

    private var upstreamErrors: [MetricsRegistry.UpstreamErrorKey: UInt64] = [:]
    /// Requests that finished on a table older than the worker's (rare: the slow way).
    var strays: [RequestSeriesKey: [UInt64]] = [:]
    /// Answers of the admin listener by status, kept out of the proxy's series.
    var adminRequests: [Int: UInt64] = [:]
    var activeConnections = 0
    var accepted: UInt64 = 0
    var tlsHandshakeFailures: UInt64 = 0
    var proxyProtocolRefusals: UInt64 = 0
    /// Basic-auth credentials checked against a user list (verdicts the cache remembered are not counted).
    var basicAuthChecks: UInt64 = 0
    /// Answers replaced by an error backend's (`error_backend`).
    var errorBackendRequests: UInt64 = 0
    var limitRefusals: UInt64 = 0
    var externalAuth = ExternalAuthCounts()
    var gzip = GzipCounts()
    var tunnels = TunnelCounters()
    var naps = NapCounts()
    var http2 = HTTP2Counts()

    mutating func countUpstreamError(upstream: String, kind: UpstreamErrorKind) {
        upstreamErrors[MetricsRegistry.UpstreamErrorKey(upstream: upstream, kind: kind), default: 0] += 1
    }

    mutating func takeDelta() -> Delta {
        var delta = Delta(activeConnections: activeConnections, accepted: accepted, tlsHandshakeFailures: tlsHandshakeFailures,
            proxyProtocolRefusals: proxyProtocolRefusals, basicAuthChecks: basicAuthChecks, errorBackendRequests: errorBackendRequests, limitRefusals: limitRefusals, externalAuth: externalAuth, gzip: gzip, naps: naps)
        externalAuth = ExternalAuthCounts()
        gzip = GzipCounts()
        naps = NapCounts()
        delta.http2 = http2
        http2 = HTTP2Counts()
        delta.series = strays
        strays.removeAll(keepingCapacity: true)
        delta.adminRequests = adminRequests
        adminRequests.removeAll(keepingCapacity: true)
        delta.upstreamErrors = upstreamErrors
        upstreamErrors.removeAll(keepingCapacity: true)
        accepted = 0
        tlsHandshakeFailures = 0
        proxyProtocolRefusals = 0
        basicAuthChecks = 0
        errorBackendRequests = 0
        limitRefusals = 0
        delta.tunnels = tunnels.takeDelta()
        return delta
    }
}
