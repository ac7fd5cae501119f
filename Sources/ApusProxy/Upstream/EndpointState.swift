import ApusCore
import ApusNet

/// A worker's runtime state for one upstream endpoint: its idle connection pool, requests
/// in flight (for least-connections) and passive health.
///
/// Passive health is nginx's `max_fails=1 fail_timeout=10s` with a probe: a failure (refused
/// or timed-out connect, failed TLS handshake, a reset or close before the response head, a
/// response head that does not come in time) ejects the endpoint for `ejection`; once that has
/// passed, one request at a time is let through as a probe until a response head arrives.
/// Local shortages (no file descriptor for a socket) are not the endpoint's failure.
///
/// Shared by every table generation that names the same address, so pools and ejections
/// survive a swap. Thread rule: owned by one worker's loop.
final class EndpointState {
    let address: HostPort
    let socketAddress: SocketAddress
    let addressText: String
    /// SO_RCVBUF for new connections: `loopbackReceiveBufferBytes` on a loopback address, 0
    /// (kernel autotuning) elsewhere.
    let receiveBufferBytes: Int32
    var idle: [UpstreamConnection] = []
    var activeRequests = 0
    /// Not picked before this time (monotonic ms): the end of an ejection after a failure,
    /// or, while a probe is out, the latest its verdict can come.
    var availableAt: UInt64 = 0
    /// The last attempt failed: the next one, after the ejection, is a probe.
    var suspect = false
    /// This worker's peak EWMA of the time to its response heads (the `ewma` balancer).
    var latency = LatencyEWMA()
    var maxIdle: Int
    var idleTimeoutMilliseconds: Int
    /// No longer named by the current table: connections close instead of pooling.
    var retired = false
    /// For an HTTPS upstream: the client context new connections handshake with (the
    /// newest table's; pooled connections keep the stream they were made with).
    var tls: TLSClientContext?
    /// The endpoint speaks HTTP/2: requests go as streams on `http2Connections`.
    let http2: Bool
    /// Connections to an HTTP/2 endpoint that take new streams (not going away).
    var http2Connections: [UpstreamConnection] = []

    init?(address: HostPort, keepAlive: KeepAliveConfig, http2: Bool = false) {
        guard let socketAddress = SocketAddress(host: address.host, port: address.port) else { return nil }
        self.address = address
        self.socketAddress = socketAddress
        self.addressText = address.description
        self.http2 = http2
        self.receiveBufferBytes = socketAddress.isLoopback ? EndpointState.loopbackReceiveBufferBytes : 0
        self.maxIdle = keepAlive.maxIdle
        self.idleTimeoutMilliseconds = keepAlive.idleTimeoutMilliseconds
    }

    /// The receive buffer of connections to an upstream on this host (256 KiB once the
    /// kernel doubles it). Over loopback the sender's system call carries its segments all
    /// the way into our socket, so with a window autotuned to megabytes a large response
    /// crosses on the upstream's CPU time. With a window of a few segments the upstream
    /// queues the rest, and the window updates our reads send carry it across on our time:
    /// in the benchmark's `1m` the upstream (nginx, sendfile) spent 65 µs per response
    /// instead of 340, we 435 instead of 290, and the clients' CPU, which the upstream
    /// shares, served 1.2–1.3 times the requests. Loopback round trips are tens of µs, so the
    /// window still allows gigabytes per second; remote upstreams keep autotuning, whose
    /// windows their round trips need.
    static let loopbackReceiveBufferBytes: Int32 = 131_072

    /// How long a failure keeps an endpoint out of rotation (nginx's fail_timeout).
    static let ejectionMilliseconds: UInt64 = 10_000

    /// Picked for a request: if the endpoint is on probation, this request is its probe, and
    /// no other goes there until `verdictBy`.
    @inline(__always)
    func picked(at now: UInt64, verdictBy: @autoclosure () -> UInt64) {
        if suspect { availableAt = verdictBy() }
    }

    /// A response head arrived from it.
    func succeeded() {
        suspect = false
        availableAt = 0
    }

    func failed(at now: UInt64) {
        suspect = true
        availableAt = now + Self.ejectionMilliseconds
    }
}

/// Which endpoint states may share a pool: same address and same TLS settings.
struct EndpointKey: Hashable {
    var address: HostPort
    /// Empty for plaintext.
    var tlsIdentity: String
    /// HTTP/2 and HTTP/1.1 connections to one address are pooled apart.
    var http2: Bool
}

/// A worker's runtime for one upstream of its current table.
///
/// A class so that the per-request lookups (`upstreams[i].picker`, timeouts) don't copy
/// its arrays. Thread rule: owned by one worker's loop.
final class UpstreamRuntime {
    let name: String
    let endpoints: [EndpointState]
    var picker: EndpointPicker
    /// Session affinity or consistent hashing; `keyedHandle` is it unretained, for the
    /// per-request test.
    let keyed: CompiledKeyedBalancing?
    let keyedHandle: Unmanaged<CompiledKeyedBalancing>?
    /// Where the next turn within a hash subset starts.
    var rotation = 0
    /// Endpoints are not picked by `picker` alone (a key or EWMA): one test on the
    /// per-request path sends those upstreams out of line.
    let picksOwnWay: Bool
    let connectTimeout: UInt64
    let readTimeout: UInt64
    let sendTimeout: UInt64
    /// What an exchange proxied here plays by (timeouts, attempts, failure policy).
    let terms: ExchangeMachine.UpstreamTerms

    init(name: String, endpoints: [EndpointState], picker: EndpointPicker, keyed: CompiledKeyedBalancing?, connectTimeout: UInt64,
         readTimeout: UInt64, sendTimeout: UInt64, tunnelIdleTimeout: UInt64, failures: UpstreamFailurePolicy) {
        self.name = name
        self.keyed = keyed
        self.keyedHandle = keyed.map { Unmanaged.passUnretained($0) }
        self.picksOwnWay = keyed != nil || picker.policy == .ewma
        self.endpoints = endpoints
        self.picker = picker
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.sendTimeout = sendTimeout
        // Attempts per request: each endpoint at most once (nginx's proxy_next_upstream_tries
        // is unbounded; three by default keeps a request's worst case at three timeouts).
        let tries = failures.maxTries.map { $0 == 0 ? endpoints.count : $0 } ?? 3
        self.terms = ExchangeMachine.UpstreamTerms(
            maxAttempts: Int32(max(1, min(endpoints.count, tries, 64))), connectTimeout: UInt32(clamping: connectTimeout),
            sendTimeout: UInt32(clamping: sendTimeout), readTimeout: UInt32(clamping: readTimeout),
            tunnelIdleTimeout: UInt32(clamping: tunnelIdleTimeout), retryWindow: UInt32(clamping: failures.retryWindowMilliseconds),
            retryNonIdempotent: failures.retryNonIdempotent, ignoreClientAbort: failures.ignoreClientAbort)
    }
}
