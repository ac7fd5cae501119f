import ApusCore
import COpenSSL

/// Authentication verdicts a worker remembers: basic auth's, so that a bcrypt hash (tens of
/// milliseconds) is computed once per credential, not once per request; and external
/// auth's answers under their cache key.
///
/// Keyed by SHA-256 over a secret drawn at start, a scope (the user list's fingerprint, the
/// route's auth) and the credential or key as sent (the digests never leave the process, so the secret prefix is as
/// good a keyed hash here as an HMAC): the credential itself is never kept, a changed user list (a
/// Secret or file edited) can never match an old entry, and no one without the key can
/// aim at an entry. Failures are remembered too, so a client repeating a wrong password
/// costs one hash. Bounded: two generations of `generationSize` entries; when the newer
/// fills, the older is dropped, so what is in use survives and the rest ages out.
/// A class: it owns the OpenSSL digest context it reuses for every key.
/// Thread rule: owned by one worker.
final class VerdictCache<Verdict> {
    struct Key: Hashable {
        var a: UInt64, b: UInt64, c: UInt64, d: UInt64
    }

    static var generationSize: Int { 4096 }
    private var key = [UInt8](repeating: 0, count: 32)
    private var current: [Key: Verdict] = [:]
    private var previous: [Key: Verdict] = [:]
    private let context: OpaquePointer

    init() {
        guard RAND_bytes(&key, Int32(key.count)) == 1 else { fatalError("OpenSSL RAND_bytes failed: no randomness for the auth cache key") }
        guard let context = EVP_MD_CTX_new() else { fatalError("out of memory: EVP_MD_CTX_new failed") }
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    func key(scope: [UInt8], credential: UnsafeRawBufferPointer) -> Key {
        // The digest lands straight in the key's four words: no buffer per request.
        var digest = Key(a: 0, b: 0, c: 0, d: 0)
        var length: UInt32 = 32
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        EVP_DigestUpdate(context, key, key.count)
        EVP_DigestUpdate(context, scope, scope.count)
        EVP_DigestUpdate(context, credential.baseAddress, credential.count)
        withUnsafeMutableBytes(of: &digest) { _ = EVP_DigestFinal_ex(context, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) }
        return digest
    }

    func verdict(_ key: Key) -> Verdict? {
        if let known = current[key] { return known }
        guard let known = previous[key] else { return nil }
        remember(key, known)
        return known
    }

    func remember(_ key: Key, _ verdict: Verdict) {
        if current.count >= Self.generationSize {
            previous = current
            current.removeAll(keepingCapacity: true)
        }
        current[key] = verdict
    }
}
