import ApusNet
import Testing

@Suite struct ProxyProtocolHeaderTests {
    enum Outcome: Equatable {
        case needMore
        case invalid
        case header(length: Int, source: String?, port: UInt16?)
    }

    static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

    func parse(_ bytes: [UInt8]) -> Outcome {
        bytes.withUnsafeBytes { raw in
            switch ProxyProtocolHeader.parse(raw) {
            case .needMore: return .needMore
            case .invalid: return .invalid
            case .header(let length, let source):
                let port = source.map { address -> UInt16 in
                    var storage = address.storage
                    return withUnsafeBytes(of: &storage) { UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) }
                }
                return .header(length: length, source: source?.hostText, port: port)
            }
        }
    }

    func parse(_ text: String) -> Outcome { parse(Array(text.utf8)) }

    func v2(command: UInt8, family: UInt8, body: [UInt8]) -> [UInt8] {
        Self.v2Signature + [0x20 | command, family, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
    }

    @Test func versionOneLines() {
        let line = "PROXY TCP4 203.0.113.9 10.0.0.1 40000 443\r\n"
        #expect(parse(line + "GET / HTTP/1.1\r\n") == .header(length: line.utf8.count, source: "203.0.113.9", port: 40000))
        #expect(parse("PROXY TCP6 2001:db8::7 2001:db8::1 1 65535\r\n") == .header(length: 44, source: "2001:db8::7", port: 1))
        // UNKNOWN keeps the peer; whatever follows it on the line is ignored.
        #expect(parse("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\nGET") == .header(length: 35, source: nil, port: nil))
        #expect(parse("PROXY UNKNOWN\r\n") == .header(length: 15, source: nil, port: nil))
    }

    @Test func versionOneArrivingInPieces() {
        let line = "PROXY TCP4 203.0.113.9 10.0.0.1 40000 443\r\n"
        for end in 1..<line.utf8.count {
            #expect(parse(Array(line.utf8.prefix(end))) == .needMore, "\(end) bytes")
        }
    }

    @Test func versionOneRefusals() {
        #expect(parse("GET / HTTP/1.1\r\n") == .invalid)
        #expect(parse("PROXZ") == .invalid)
        #expect(parse("PROXY \n") == .invalid)
        #expect(parse("PROXY TCP4 203.0.113.9 10.0.0.1 40000 443\n") == .invalid)
        #expect(parse("PROXY TCP5 203.0.113.9 10.0.0.1 40000 443\r\n") == .invalid)
        #expect(parse("PROXY TCP4 203.0.113.9 10.0.0.1 40000\r\n") == .invalid)
        #expect(parse("PROXY TCP4 203.0.113.9  10.0.0.1 40000 443\r\n") == .invalid)
        #expect(parse("PROXY TCP4 2001:db8::7 10.0.0.1 40000 443\r\n") == .invalid)
        #expect(parse("PROXY TCP6 2001:db8::7 10.0.0.1 40000 443\r\n") == .invalid)
        #expect(parse("PROXY TCP4 203.0.113.9 10.0.0.1 65536 443\r\n") == .invalid)
        #expect(parse("PROXY TCP4 203.0.113.9 10.0.0.1 0443 443\r\n") == .invalid)
        #expect(parse("PROXY TCP4 203.0.113.9 10.0.0.1 -1 443\r\n") == .invalid)
        #expect(parse("PROXY TCP4 999.0.113.9 10.0.0.1 1 443\r\n") == .invalid)
        // No line end within the 107 bytes a line may have.
        #expect(parse("PROXY UNKNOWN " + String(repeating: "x", count: 120)) == .invalid)
    }

    @Test func versionTwoAddresses() {
        let ipv4: [UInt8] = [203, 0, 113, 9, 10, 0, 0, 1, 0x9C, 0x40, 0x01, 0xBB]
        #expect(parse(v2(command: 1, family: 0x11, body: ipv4) + Array("GET".utf8)) == .header(length: 28, source: "203.0.113.9", port: 40000))
        var ipv6: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [7]
        ipv6 += [UInt8](repeating: 0, count: 16) + [0x9C, 0x40, 0x01, 0xBB]
        // With a TLV after the addresses (AWS and GCP send some): skipped.
        let tlv: [UInt8] = [0xEA, 0x00, 0x03, 0x61, 0x62, 0x63]
        #expect(parse(v2(command: 1, family: 0x21, body: ipv6 + tlv)) == .header(length: 16 + 36 + 6, source: "2001:db8::7", port: 40000))
    }

    @Test func versionTwoWithoutAClient() {
        // LOCAL: the balancer's own health check.
        #expect(parse(v2(command: 0, family: 0x00, body: [])) == .header(length: 16, source: nil, port: nil))
        // UNSPEC, UDP and UNIX families keep the peer.
        #expect(parse(v2(command: 1, family: 0x00, body: [])) == .header(length: 16, source: nil, port: nil))
        #expect(parse(v2(command: 1, family: 0x12, body: [UInt8](repeating: 1, count: 12))) == .header(length: 28, source: nil, port: nil))
        #expect(parse(v2(command: 1, family: 0x31, body: [UInt8](repeating: 0, count: 216))) == .header(length: 232, source: nil, port: nil))
    }

    @Test func versionTwoInPiecesAndRefusals() {
        let header = v2(command: 1, family: 0x11, body: [203, 0, 113, 9, 10, 0, 0, 1, 0, 1, 0, 2])
        for end in 1..<header.count {
            #expect(parse(Array(header.prefix(end))) == .needMore, "\(end) bytes")
        }
        var wrongSignature = header
        wrongSignature[5] = 0x0E
        #expect(parse(wrongSignature) == .invalid)
        #expect(parse(Array(wrongSignature.prefix(6))) == .invalid)
        var versionOne = header
        versionOne[12] = 0x11
        #expect(parse(versionOne) == .invalid)
        var unknownCommand = header
        unknownCommand[12] = 0x22
        #expect(parse(unknownCommand) == .invalid)
        // Too few address bytes for the family.
        #expect(parse(v2(command: 1, family: 0x11, body: [1, 2, 3])) == .invalid)
        #expect(parse(v2(command: 1, family: 0x21, body: [UInt8](repeating: 0, count: 12))) == .invalid)
        // Longer than this side buffers.
        #expect(parse(Self.v2Signature + [0x21, 0x11, 0xFF, 0xFF]) == .invalid)
    }
}
