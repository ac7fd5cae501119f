/// What a worker knows about one of its listening sockets.
final class ListenerInfo {
    let fd: Int32
    let name: String
    let address: String
    /// The port as text, for X-Forwarded-Port.
    let portText: [UInt8]
    let scheme: [UInt8]
    /// The admin listener answers /healthz, /readyz, /metrics, /routes instead of routing.
    let isAdmin: Bool
    /// HTTPS: connections start with a TLS handshake (certificates from the worker's
    /// current `TLSCatalog`, by address).
    let isTLS: Bool
    /// Connections start with a PROXY protocol header, read before TLS or HTTP.
    let proxyProtocol: Bool
    /// Connections may speak HTTP/2: ALPN `h2` over TLS, prior knowledge (h2c) in plaintext.
    let http2: Bool

    init(fd: Int32, name: String, address: String, port: UInt16, isAdmin: Bool, isTLS: Bool = false, proxyProtocol: Bool = false,
         http2: Bool = false) {
        self.proxyProtocol = proxyProtocol
        self.http2 = http2
        self.fd = fd
        self.name = name
        self.address = address
        self.portText = Array(String(port).utf8)
        self.scheme = Array((isTLS ? "https" : "http").utf8)
        self.isAdmin = isAdmin
        self.isTLS = isTLS
    }
}
