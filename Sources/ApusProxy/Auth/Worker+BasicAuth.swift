import ApusCore
import ApusHTTP

extension Worker {
    /// Longer credentials are refused without decoding or hashing: nobody's user name and
    /// password take 4 KiB, and a hash of a megabyte would be work for nothing.
    static let longestCredential = 4096
    private static let authorizationName = Array("authorization".utf8)
    private static let basicScheme = Array("basic ".utf8)

    /// Answers a request that `auth` does not let through: 503 when the users' source is
    /// missing, else 401 with the challenge. False when the request may go on.
    func refuses(_ auth: CompiledBasicAuth, _ connection: DownstreamConnection, _ exchange: Exchange, _ raw: UnsafeRawBufferPointer) -> Bool {
        if auth.unavailable {
            respondError(connection, exchange, status: 503)
            return true
        }
        guard !admits(auth, exchange, raw) else { return false }
        var response = LocalResponse(status: 401)
        response.header("WWW-Authenticate", auth.challenge)
        response.header("Content-Type", "text/plain; charset=utf-8")
        finishLocal(connection, exchange, status: 401, response: &response, body: Array("401 Unauthorized\n".utf8))
        return true
    }

    /// Whether the request's `Authorization: Basic` credential names a user of `auth` with
    /// the right password. The credential is never logged.
    func admits(_ auth: CompiledBasicAuth, _ exchange: Exchange, _ raw: UnsafeRawBufferPointer) -> Bool {
        guard let credential = basicCredential(exchange, raw) else { return false }
        let key = basicAuthCache.key(scope: auth.fingerprint, credential: credential)
        if let known = basicAuthCache.verdict(key) { return known }
        counters.basicAuthChecks += 1
        let admitted = Self.verify(credential, against: auth)
        basicAuthCache.remember(key, admitted)
        return admitted
    }

    /// The base64 token of the first `Authorization` field whose scheme is `Basic`
    /// (case-insensitive, RFC 9110 §11.1).
    private func basicCredential(_ exchange: Exchange, _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let name = Self.authorizationName
        let scheme = Self.basicScheme
        for field in exchange.head.headers where Int(field.nameEnd - field.nameStart) == name.count {
            guard zip(raw[Int(field.nameStart)..<Int(field.nameEnd)], name).allSatisfy({ $0 | 0x20 == $1 }) else { continue }
            let value = UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)])
            guard value.count > scheme.count, zip(value, scheme).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
            var token = UnsafeRawBufferPointer(rebasing: value[scheme.count...])
            while let first = token.first, first == 0x20 { token = UnsafeRawBufferPointer(rebasing: token[1...]) }
            return token.count <= Self.longestCredential ? token : nil
        }
        return nil
    }

    private static func verify(_ token: UnsafeRawBufferPointer, against auth: CompiledBasicAuth) -> Bool {
        guard var decoded = Base64.decode(token) else { return false }
        defer { for i in decoded.indices { decoded[i] = 0 } }
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return false }
        let user = String(decoding: decoded[..<colon], as: UTF8.self)
        guard let hash = auth.users[user] else { return false }
        return decoded[(colon + 1)...].withUnsafeBytes { hash.verifies($0) }
    }
}
