import ApusCore
import ApusNet

/// A worker's runtime state for one upstream endpoint: its idle connection pool, requests
/// in flight (for least-connections) and passive ejection after connect failures.
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
    var ejectedUntil: UInt64 = 0
    var maxIdle: Int
    var idleTimeoutMilliseconds: Int
    /// No longer named by the current table: connections close instead of pooling.
    var retired = false
    /// For an HTTPS upstream: the client context new connections handshake with (the
    /// newest table's; pooled connections keep the stream they were made with).
    var tls: TLSClientContext?

    init?(address: HostPort, keepAlive: KeepAliveConfig) {
        guard let socketAddress = SocketAddress(host: address.host, port: address.port) else { return nil }
        self.address = address
        self.socketAddress = socketAddress
        self.addressText = address.description
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
}

/// Which endpoint states may share a pool: same address and same TLS settings.
struct EndpointKey: Hashable {
    var address: HostPort
    /// Empty for plaintext.
    var tlsIdentity: String
}

/// A worker's runtime for one upstream of its current table.
///
/// A class so that the per-request lookups (`upstreams[i].picker`, timeouts) don't copy
/// its arrays. Thread rule: owned by one worker's loop.
final class UpstreamRuntime {
    let name: String
    let endpoints: [EndpointState]
    var picker: EndpointPicker
    let connectTimeout: UInt64
    let readTimeout: UInt64
    let sendTimeout: UInt64

    init(name: String, endpoints: [EndpointState], picker: EndpointPicker, connectTimeout: UInt64, readTimeout: UInt64, sendTimeout: UInt64) {
        self.name = name
        self.endpoints = endpoints
        self.picker = picker
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.sendTimeout = sendTimeout
    }
}
