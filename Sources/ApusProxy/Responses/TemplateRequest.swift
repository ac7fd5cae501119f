import ApusCore
import ApusHTTP

/// What a `RequestTemplate` reads of a request whose head is in `raw`: the one expander of
/// nginx-style variables, for redirect URLs and external auth's URLs, keys and redirects.
/// Used where a route carries templates, never on the path of a route without them.
struct TemplateRequest {
    var head: RequestHead
    var raw: UnsafeRawBufferPointer
    /// The routing host (`$host`).
    var host: UnsafeRawBufferPointer
    var scheme: [UInt8]
    /// The client as text (`$remote_addr`).
    var client: [UInt8]

    func expand(_ template: RequestTemplate, into out: inout [UInt8]) {
        for piece in template.pieces {
            switch piece {
            case .text(let text):
                out += text.utf8
            case .variable(let variable):
                switch variable {
                case .requestURI: out += raw[Int(head.pathStart)..<Int(head.pathEnd)]
                case .uri: out += raw[Int(head.pathStart)..<Int(head.queryStart)]
                case .args: if let query = Self.query(head, raw) { out += query }
                case .host: out += host
                case .httpHost: if let range = head.authorityRange { out += raw[range] }
                case .bestHTTPHost: if let range = head.authorityRange { out += raw[range] } else { out += host }
                case .scheme: out += scheme
                case .escapedRequestURI: Self.percentEncode(raw[Int(head.pathStart)..<Int(head.pathEnd)], into: &out)
                case .remoteAddress: out += client
                case .remoteUser: if let user = basicUser() { out += user }
                case .requestMethod: out += raw[Int(head.methodStart)..<Int(head.methodEnd)]
                case .header(let name): if let value = Self.field(name, head, raw) { out += value }
                case .cookie(let name): if let value = Self.cookie(name, head, raw) { out += value }
                case .argument(let name): if let value = Self.argument(name, head, raw) { out += value }
                }
            }
        }
    }

    @inline(__always)
    static func lowercase(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }

    static func query(_ head: RequestHead, _ raw: UnsafeRawBufferPointer) -> Slice<UnsafeRawBufferPointer>? {
        Int(head.queryStart) < Int(head.pathEnd) ? raw[(Int(head.queryStart) + 1)..<Int(head.pathEnd)] : nil
    }

    /// The value of the first field called `name` (lowercase).
    static func field(_ name: String, _ head: RequestHead, _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        head.headers.withUnsafeBufferPointer { RequestFieldLookup.value(named: name.utf8, in: $0, raw) }
    }

    /// One cookie's value from the Cookie fields (`a=1; b=2`).
    static func cookie(_ name: String, _ head: RequestHead, _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        head.headers.withUnsafeBufferPointer { RequestFieldLookup.cookie(named: name.utf8, in: $0, raw) }
    }

    /// One query parameter's value as received (`$arg_NAME`).
    static func argument(_ name: String, _ head: RequestHead, _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard let query = query(head, raw) else { return nil }
        return RequestFieldLookup.pairValue(name.utf8, in: UnsafeRawBufferPointer(rebasing: query), separator: UInt8(ascii: "&"))
    }

    /// The user name of a Basic credential (`$remote_user`).
    private func basicUser() -> ArraySlice<UInt8>? {
        guard let value = Self.field("authorization", head, raw), value.count > 6,
              value.prefix(6).map(Self.lowercase).elementsEqual("basic ".utf8) else { return nil }
        let token = value.dropFirst(6).drop { $0 == 0x20 }
        guard token.count <= Worker.longestCredential, let decoded = Base64.decode(token),
              let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return decoded[..<colon]
    }

    /// Every byte but letters, digits and `-_.~` as `%XX` (what `set_escape_uri` makes of
    /// `$request_uri`, so it fits in a query value).
    static func percentEncode<Bytes: Collection<UInt8>>(_ bytes: Bytes, into out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
    }
}

extension Worker {
    /// `template` filled from the request at the front of `connection`'s input.
    func expand(_ template: RequestTemplate, _ connection: DownstreamConnection, _ exchange: Exchange,
                host: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        TemplateRequest(head: exchange.head, raw: connection.input.readable, host: host, scheme: connection.listener.scheme,
                        client: exchange.clientText ?? connection.peer).expand(template, into: &out)
    }
}
