import CCrypt
import COpenSSL
import Glibc

/// One user's password hash from an htpasswd file, and the check of a password against it.
///
/// bcrypt (`$2y$`, `$2b$`, `$2a$`), SHA-crypt (`$5$`, `$6$`), MD5-crypt (`$1$`) and DES
/// are libxcrypt's; Apache's MD5 variant (`$apr1$`, htpasswd's old default) and `{SHA}`
/// (base64 SHA-1) are computed here on OpenSSL's digests. Plain-text passwords are refused:
/// nginx reads them only with a `{PLAIN}` prefix, and htpasswd never writes them on Linux.
public enum PasswordHash: Equatable, Sendable {
    case crypt(String)
    case apr1(salt: [UInt8], encoded: [UInt8])
    case sha1(digest: [UInt8])

    public enum Problem: Error, Equatable {
        case empty
        case unsupported(String)
        case malformed(String)
        case tooCostly(String)

        public var explanation: String {
            switch self {
            case .empty: return "has no password hash"
            case .unsupported(let kind): return "has a \(kind) password hash, which Apus does not read (use bcrypt: htpasswd -B)"
            case .malformed(let kind): return "has a malformed \(kind) password hash"
            case .tooCostly(let kind):
                return "has a \(kind) password hash too costly to check on a worker (bcrypt cost above \(PasswordHash.highestBcryptCost) or more than \(PasswordHash.mostSHACryptRounds) SHA-crypt rounds)"
            }
        }
    }

    public static func parse(_ text: String) -> Result<PasswordHash, Problem> {
        if text.isEmpty { return .failure(.empty) }
        if text.hasPrefix("{SHA}") {
            guard let digest = Base64.decode(text.utf8.dropFirst(5)), digest.count == 20 else { return .failure(.malformed("{SHA}")) }
            return .success(.sha1(digest: digest))
        }
        if text.hasPrefix("{PLAIN}") || text.hasPrefix("{SSHA}") { return .failure(.unsupported(String(text.prefix { $0 != "}" }) + "}")) }
        if text.hasPrefix("$apr1$") {
            let parts = text.dropFirst(6).split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 2, (1...8).contains(parts[0].utf8.count), parts[1].utf8.count == 22,
                  parts[1].utf8.allSatisfy({ Apr1.alphabet.contains($0) }) else { return .failure(.malformed("$apr1$")) }
            return .success(.apr1(salt: Array(parts[0].utf8), encoded: Array(parts[1].utf8)))
        }
        // Everything else is libxcrypt's to judge: the prefix names the method.
        let kind = text.hasPrefix("$") ? "$" + (text.dropFirst().split(separator: "$", omittingEmptySubsequences: false).first ?? "") + "$" : "DES"
        switch crypt_checksalt(text) {
        case CRYPT_SALT_OK, CRYPT_SALT_METHOD_LEGACY, CRYPT_SALT_TOO_CHEAP:
            // checksalt reads only the settings part; a hash without its result is no hash.
            // Checked by shape, not by hashing: a bcrypt per user per translation would cost
            // the controller seconds on a big file.
            guard hasWholeResult(text) else { return .failure(.malformed(kind)) }
            guard !isTooCostly(text) else { return .failure(.tooCostly(kind)) }
            return .success(.crypt(text))
        case CRYPT_SALT_METHOD_DISABLED:
            return .failure(.unsupported(kind))
        default:
            return text.hasPrefix("$") ? .failure(.unsupported(kind)) : .failure(.malformed(kind))
        }
    }

    /// Checked once per new credential on a worker's loop; a bcrypt of cost 12 takes about
    /// 250 ms, each step above doubles it. htpasswd -B writes 5, most libraries 10 to 12.
    public static let highestBcryptCost = 12
    public static let mostSHACryptRounds = 100_000

    /// The hash part after the settings has its method's length.
    private static func hasWholeResult(_ text: String) -> Bool {
        let alphabet = Apr1.alphabet
        let last = text.split(separator: "$", omittingEmptySubsequences: false).last ?? ""
        let bytes = Array(text.utf8)
        if text.hasPrefix("$2") {
            // $2y$NN$ + 22 characters of salt + 31 of hash.
            return bytes.count == 60 && bytes[7...].allSatisfy { alphabet.contains($0) }
        }
        let lengths = ["$1$": 22, "$5$": 43, "$6$": 86]
        if let length = lengths[String(text.prefix(3))] {
            return last.utf8.count == length && last.utf8.allSatisfy { alphabet.contains($0) }
        }
        if !text.hasPrefix("$") { return bytes.count == 13 && bytes.allSatisfy { alphabet.contains($0) } }
        return false
    }

    private static func isTooCostly(_ text: String) -> Bool {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        if text.hasPrefix("$2"), parts.count > 2, let cost = Int(parts[2]) { return cost > highestBcryptCost }
        if text.hasPrefix("$5$") || text.hasPrefix("$6$"), parts.count > 2, parts[2].hasPrefix("rounds=") {
            return Int(parts[2].dropFirst(7)).map { $0 > mostSHACryptRounds } ?? true
        }
        return false
    }

    /// Whether `password` hashes to this. Costs what the method costs: tens of
    /// milliseconds for bcrypt, which is why `VerdictCache` remembers the answers.
    public func verifies(_ password: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case .crypt(let stored):
            // crypt takes a C string: a password with a NUL byte cannot be the one hashed.
            guard !password.contains(0), let computed = CryptCall.hash(password: Array(password), setting: stored) else { return false }
            return constantTimeEqual(computed, Array(stored.utf8))
        case .apr1(let salt, let encoded):
            return constantTimeEqual(Apr1.encoded(password: password, salt: salt), encoded)
        case .sha1(let digest):
            var computed = [UInt8](repeating: 0, count: 20)
            let word = Array(password)
            _ = word.withUnsafeBufferPointer { SHA1($0.baseAddress, $0.count, &computed) }
            return constantTimeEqual(computed, digest)
        }
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && CRYPTO_memcmp(a, b, a.count) == 0
    }
}

/// libxcrypt's reentrant call, with its 32 KiB of state on the heap.
enum CryptCall {
    static func hash(password: [UInt8], setting: String) -> [UInt8]? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer {
            // The state holds the password's derivatives; clear it before giving it back.
            memset(data, 0, MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        var phrase = password.map { CChar(bitPattern: $0) }
        phrase.append(0)
        defer { for i in phrase.indices { phrase[i] = 0 } }
        guard let result = crypt_r(phrase, setting, data) else { return nil }
        // A failure is a string starting with '*' (never a valid hash).
        guard result.pointee != 0, result.pointee != CChar(UInt8(ascii: "*")) else { return nil }
        return Array(UnsafeRawBufferPointer(start: result, count: strlen(result)))
    }
}
