import Glibc

/// The PROXY protocol header (versions 1 and 2) a load balancer sends before the client's
/// first byte, to say whose connection it forwards. Parsed from the bytes peeked at the
/// start of a connection; the header's own bytes are then read away, so whatever follows
/// (an HTTP head, a TLS ClientHello) stays in the socket for the usual path.
public enum ProxyProtocolHeader {
    public enum Parsed {
        /// The bytes so far are a header's beginning.
        case needMore
        /// Not a header, or a header this side refuses; the connection is closed.
        case invalid(String)
        /// A complete header of `length` bytes. `source` is the client it names; nil for
        /// `UNKNOWN` (v1), `LOCAL` (v2, the balancer's own health check) and families other
        /// than TCP over IPv4 and IPv6, which keep the connection's own peer.
        case header(length: Int, source: SocketAddress?)
    }

    /// More than any balancer sends (a v2 header with its TLVs is tens of bytes); a
    /// longer one is refused instead of buffered.
    public static let maximumLength = 4096
    /// A v1 line, `PROXY TCP6 <39> <39> 65535 65535\r\n`, is at most this long (spec §2.1).
    static let maximumLineLength = 107
    static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    static let lineStart = Array("PROXY ".utf8)

    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Parsed {
        guard let first = bytes.first else { return .needMore }
        if first == signature[0] { return parseBinary(bytes) }
        if first == lineStart[0] { return parseLine(bytes) }
        return .invalid("the connection does not start with a PROXY protocol header")
    }

    // MARK: Version 2

    private static func parseBinary(_ bytes: UnsafeRawBufferPointer) -> Parsed {
        let prefix = min(bytes.count, signature.count)
        for i in 0..<prefix where bytes[i] != signature[i] {
            return .invalid("the connection does not start with a PROXY protocol header")
        }
        guard bytes.count >= 16 else { return .needMore }
        let versionAndCommand = bytes[12]
        guard versionAndCommand >> 4 == 2 else { return .invalid("PROXY protocol version \(versionAndCommand >> 4) is not 2") }
        let command = versionAndCommand & 0x0F
        guard command <= 1 else { return .invalid("PROXY protocol v2 command \(command) is neither LOCAL nor PROXY") }
        let length = 16 + (Int(bytes[14]) << 8 | Int(bytes[15]))
        guard length <= maximumLength else { return .invalid("PROXY protocol v2 header of \(length) bytes is longer than \(maximumLength)") }
        guard bytes.count >= length else { return .needMore }
        // LOCAL: the balancer speaks for itself (health checks); the peer stays.
        guard command == 1 else { return .header(length: length, source: nil) }
        let family = bytes[13] >> 4
        let transport = bytes[13] & 0x0F
        let body = UnsafeRawBufferPointer(rebasing: bytes[16..<length])
        switch (family, transport) {
        case (1, 1):
            guard body.count >= 12 else { return .invalid("PROXY protocol v2 TCP over IPv4 header has \(body.count) address bytes, not 12") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: body[0..<4])) }
            address.sin_port = (UInt16(body[8]) << 8 | UInt16(body[9])).bigEndian
            return .header(length: length, source: SocketAddress(address))
        case (2, 1):
            guard body.count >= 36 else { return .invalid("PROXY protocol v2 TCP over IPv6 header has \(body.count) address bytes, not 36") }
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: body[0..<16])) }
            address.sin6_port = (UInt16(body[32]) << 8 | UInt16(body[33])).bigEndian
            return .header(length: length, source: SocketAddress(address))
        default:
            // UNSPEC, UDP, UNIX sockets: nothing to take a client address from.
            return .header(length: length, source: nil)
        }
    }

    // MARK: Version 1

    private static func parseLine(_ bytes: UnsafeRawBufferPointer) -> Parsed {
        let prefix = min(bytes.count, lineStart.count)
        for i in 0..<prefix where bytes[i] != lineStart[i] {
            return .invalid("the connection does not start with a PROXY protocol header")
        }
        let searched = min(bytes.count, maximumLineLength)
        var lineEnd = -1
        for i in 0..<searched where bytes[i] == 0x0A {
            lineEnd = i
            break
        }
        guard lineEnd >= 0 else {
            return bytes.count >= maximumLineLength ? .invalid("PROXY protocol v1 line is longer than \(maximumLineLength) bytes") : .needMore
        }
        guard lineEnd > lineStart.count, bytes[lineEnd - 1] == 0x0D else { return .invalid("PROXY protocol v1 line does not end with CRLF") }
        let fields = bytes[lineStart.count..<lineEnd - 1].split(separator: 0x20, omittingEmptySubsequences: false)
        let length = lineEnd + 1
        guard let protocolName = fields.first else { return .invalid("PROXY protocol v1 line names no protocol") }
        // UNKNOWN: the balancer could not tell; whatever follows on the line is ignored.
        if protocolName.elementsEqual("UNKNOWN".utf8) { return .header(length: length, source: nil) }
        let isIPv4 = protocolName.elementsEqual("TCP4".utf8)
        guard isIPv4 || protocolName.elementsEqual("TCP6".utf8) else {
            return .invalid("PROXY protocol v1 protocol '\(String(decoding: protocolName, as: UTF8.self))' is not TCP4, TCP6 or UNKNOWN")
        }
        guard fields.count == 5 else { return .invalid("PROXY protocol v1 line has \(fields.count - 1) fields after the protocol, not 4") }
        let sourceText = String(decoding: fields[1], as: UTF8.self)
        guard let sourcePort = port(fields[3]), port(fields[4]) != nil else {
            return .invalid("PROXY protocol v1 port is not a number from 0 to 65535")
        }
        guard let source = SocketAddress(host: sourceText, port: sourcePort),
              source.family == (isIPv4 ? AF_INET : AF_INET6),
              let destination = SocketAddress(host: String(decoding: fields[2], as: UTF8.self), port: 0),
              destination.family == source.family
        else {
            return .invalid("PROXY protocol v1 addresses are not both \(isIPv4 ? "IPv4" : "IPv6")")
        }
        return .header(length: length, source: source)
    }

    /// 0 to 65535 in decimal, without a sign or leading zeros (spec §2.1).
    private static func port<Digits: Collection<UInt8>>(_ digits: Digits) -> UInt16? {
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard digits.count == 1 || digits.first != 0x30 else { return nil }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return value <= 65535 ? UInt16(value) : nil
    }
}
