import ApusCore
import ApusHTTP

/// The request the auth service receives, as ingress-nginx's auth location sends it: no
/// body, every field of the client's request except the ones it sets itself, and the
/// original request described in `X-Original-URL`, `X-Original-Method` and friends.
extension Worker {
    /// Fields of the client's request left out: framing and connection fields, and the ones
    /// written below.
    private static let authDroppedFields: Set<[UInt8]> = Set((SubRequestFields.connectionFields + [
        "x-forwarded-proto", "x-request-id", "x-original-url", "x-original-method", "x-sent-from", "x-real-ip",
        "x-forwarded-for", "x-auth-request-redirect",
    ] + Worker.clientCertificateFields).map { Array($0.utf8) })

    func writeAuthRequest(_ auth: CompiledExternalAuth, _ connection: DownstreamConnection, _ exchange: Exchange,
                          host: UnsafeRawBufferPointer, requestID: (UInt64, UInt64), into out: inout [UInt8]) {
        let raw = connection.input.readable
        let head = exchange.head
        out += auth.method.utf8
        out.append(0x20)
        let targetStart = out.count
        expand(auth.url.target, connection, exchange, host: host, into: &out)
        // A field value put into the target may hold spaces, which would end it early.
        if out[targetStart...].contains(where: { $0 <= 0x20 || $0 >= 0x7F }) {
            let target = Array(out[targetStart...])
            out.removeSubrange(targetStart...)
            for byte in target {
                if byte <= 0x20 || byte >= 0x7F { TemplateRequest.percentEncode(CollectionOfOne(byte), into: &out) } else { out.append(byte) }
            }
        }
        out += " HTTP/1.1\r\nHost: ".utf8
        // ingress-nginx sends the URL's host name without its port.
        if let name = auth.url.host { out += name.utf8 } else { out += host }
        out += "\r\n".utf8

        let clientRequestID = SubRequestFields.copy(
            head, raw, dropping: Self.authDroppedFields, alsoDropping: auth.replacedFields, into: &out).requestID
        let client = exchange.clientText ?? connection.peer
        out += "X-Request-ID: ".utf8
        if let clientRequestID { out += clientRequestID } else { Self.appendHex(requestID, to: &out) }
        out += "\r\nX-Original-URL: ".utf8
        out += connection.listener.scheme
        out += "://".utf8
        if let range = head.authorityRange { out += raw[range] } else { out += host }
        out += raw[Int(head.pathStart)..<Int(head.pathEnd)]
        out += "\r\nX-Original-Method: ".utf8
        out += raw[Int(head.methodStart)..<Int(head.methodEnd)]
        out += "\r\nX-Sent-From: nginx-ingress-controller\r\nX-Real-IP: ".utf8
        out += client
        out += "\r\nX-Forwarded-For: ".utf8
        out += client
        out += "\r\nX-Auth-Request-Redirect: ".utf8
        if let redirect = auth.requestRedirect {
            expand(redirect, connection, exchange, host: host, into: &out)
        } else {
            out += raw[Int(head.pathStart)..<Int(head.pathEnd)]
        }
        out += "\r\n".utf8
        if auth.methodGiven {
            out += "X-Original-URI: ".utf8
            out += raw[Int(head.pathStart)..<Int(head.pathEnd)]
            out += "\r\nX-Scheme: ".utf8
            out += connection.listener.scheme
            out += "\r\n".utf8
        }
        if let lines = exchange.clientCertificateLines { out += lines }
        // auth-proxy-set-headers; a value that expands to nothing is left out, as nginx does.
        for (name, template) in auth.setFields {
            let start = out.count
            out += name.utf8
            out += ": ".utf8
            let valueStart = out.count
            expand(template, connection, exchange, host: host, into: &out)
            if out.count == valueStart || out[valueStart...].contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }) {
                out.removeSubrange(start...)
            } else {
                out += "\r\n".utf8
            }
        }
        // A body-less POST or PUT still says its length is 0.
        if auth.method != "GET" && auth.method != "HEAD" { out += "Content-Length: 0\r\n".utf8 }
        out += "\r\n".utf8
    }

    /// 32 lowercase hex digits, as generated X-Request-IDs are written.
    static func appendHex(_ id: (UInt64, UInt64), to out: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        for word in [id.0, id.1] {
            for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((word >> UInt64(shift)) & 15)]) }
        }
    }
}
