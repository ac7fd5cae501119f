import COpenSSL

/// A route's Basic authentication, compiled: the users, the challenge to send, and a
/// fingerprint of the user list that keys remembered verifications (`VerdictCache`), so
/// that a changed Secret or file can never match a credential verified against the old one.
public final class CompiledBasicAuth: Equatable, Sendable {
    public let users: [String: PasswordHash]
    /// `WWW-Authenticate: Basic realm="..."` with quotes and backslashes escaped.
    public let challenge: String
    public let realm: String
    /// SHA-256 of the htpasswd text.
    public let fingerprint: [UInt8]
    /// The users' source is missing: every request is refused with 503.
    public let unavailable: Bool
    public let origin: String
    public let file: String?

    public init(realm: String, users: String?, origin: String, file: String?) {
        self.realm = realm
        var escaped = ""
        for character in realm {
            if character == "\"" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        challenge = "Basic realm=\"\(escaped)\""
        self.users = users.map { Htpasswd.parse($0).users } ?? [:]
        unavailable = users == nil
        var digest = [UInt8](repeating: 0, count: 32)
        let bytes = Array((users ?? "").utf8)
        _ = bytes.withUnsafeBufferPointer { SHA256($0.baseAddress, $0.count, &digest) }
        fingerprint = digest
        self.origin = origin
        self.file = file
    }

    public static func == (a: CompiledBasicAuth, b: CompiledBasicAuth) -> Bool {
        a.realm == b.realm && a.fingerprint == b.fingerprint && a.unavailable == b.unavailable && a.origin == b.origin
    }
}
