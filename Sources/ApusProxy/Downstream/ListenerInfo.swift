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

    /// Whether connections on this listener speak TLS (its scheme is `https`): the HTTPS
    /// redirect leaves their requests alone, and HSTS is sent only on them.
    var isTLS: Bool { scheme.elementsEqual("https".utf8) }

    init(fd: Int32, name: String, address: String, port: UInt16, isAdmin: Bool) {
        self.fd = fd
        self.name = name
        self.address = address
        self.portText = Array(String(port).utf8)
        self.scheme = Array("http".utf8)
        self.isAdmin = isAdmin
    }
}
