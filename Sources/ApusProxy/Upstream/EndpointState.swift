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
        self.maxIdle = keepAlive.maxIdle
        self.idleTimeoutMilliseconds = keepAlive.idleTimeoutMilliseconds
    }
}

/// A worker's runtime for one upstream of its current table.
///
/// A class so that the per-request lookups (`upstreams[i].picker`, timeouts) don't copy
/// its arrays. Thread rule: owned by one worker's loop.
/// Which endpoint states may share a pool: same address and same TLS settings.
struct EndpointKey: Hashable {
    var address: HostPort
    /// Empty for plaintext.
    var tlsIdentity: String
}

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
