import ApusCore
import COpenSSL

/// Basic-auth verdicts a worker remembers, so that a bcrypt hash (tens of milliseconds) is
/// computed once per credential, not once per request.
///
/// Keyed by SHA-256 over a secret drawn at start, the user list's fingerprint and the
/// credential as sent (the digests never leave the process, so the secret prefix is as
/// good a keyed hash here as an HMAC): the credential itself is never kept, a changed user list (a
/// Secret or file edited) can never match an old entry, and no one without the key can
/// aim at an entry. Failures are remembered too, so a client repeating a wrong password
/// costs one hash. Bounded: two generations of `generationSize` entries; when the newer
/// fills, the older is dropped, so what is in use survives and the rest ages out.
/// A class: it owns the OpenSSL digest context it reuses for every key.
/// Thread rule: owned by one worker.
final class BasicAuthCache {
    struct Key: Hashable {
        var a: UInt64, b: UInt64, c: UInt64, d: UInt64
    }

    static let generationSize = 4096
    private var key = [UInt8](repeating: 0, count: 32)
    private var current: [Key: Bool] = [:]
    private var previous: [Key: Bool] = [:]
    private let context: OpaquePointer

    init() {
        guard RAND_bytes(&key, Int32(key.count)) == 1 else { fatalError("OpenSSL RAND_bytes failed: no randomness for the basic-auth cache key") }
        guard let context = EVP_MD_CTX_new() else { fatalError("out of memory: EVP_MD_CTX_new failed") }
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    func key(fingerprint: [UInt8], credential: UnsafeRawBufferPointer) -> Key {
        // The digest lands straight in the key's four words: no buffer per request.
        var digest = Key(a: 0, b: 0, c: 0, d: 0)
        var length: UInt32 = 32
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        EVP_DigestUpdate(context, key, key.count)
        EVP_DigestUpdate(context, fingerprint, fingerprint.count)
        EVP_DigestUpdate(context, credential.baseAddress, credential.count)
        withUnsafeMutableBytes(of: &digest) { _ = EVP_DigestFinal_ex(context, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) }
        return digest
    }

    func verdict(_ key: Key) -> Bool? {
        if let known = current[key] { return known }
        guard let known = previous[key] else { return nil }
        remember(key, known)
        return known
    }

    func remember(_ key: Key, _ admitted: Bool) {
        if current.count >= Self.generationSize {
            previous = current
            current.removeAll(keepingCapacity: true)
        }
        current[key] = admitted
    }
}
