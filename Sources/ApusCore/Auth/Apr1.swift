import COpenSSL

/// Apache's `$apr1$` hash: MD5-crypt (the FreeBSD scheme) with its own magic string, which
/// libxcrypt does not have. Written from the algorithm's description; checked against
/// `openssl passwd -apr1` in the tests.
enum Apr1 {
    static let alphabet = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    private static let magic = Array("$apr1$".utf8)

    /// The 22 characters after `$apr1$SALT$`.
    static func encoded(password: UnsafeRawBufferPointer, salt: [UInt8]) -> [UInt8] {
        let word = Array(password)
        let alternate = md5([word, salt, word])
        var first: [[UInt8]] = [word, magic, salt]
        var remaining = word.count
        while remaining > 0 {
            first.append(Array(alternate[0..<min(16, remaining)]))
            remaining -= 16
        }
        // Bits of the length pick a zero byte or the password's first byte.
        var bits = word.count
        while bits > 0 {
            first.append(bits & 1 == 1 ? [0] : [word.first ?? 0])
            bits >>= 1
        }
        var digest = md5(first)
        for round in 0..<1000 {
            var parts: [[UInt8]] = [round & 1 == 1 ? word : digest]
            if round % 3 != 0 { parts.append(salt) }
            if round % 7 != 0 { parts.append(word) }
            parts.append(round & 1 == 1 ? digest : word)
            digest = md5(parts)
        }
        var out: [UInt8] = []
        out.reserveCapacity(22)
        func put(_ value: Int, _ count: Int) {
            var v = value
            for _ in 0..<count {
                out.append(alphabet[v & 0x3F])
                v >>= 6
            }
        }
        for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
            put(Int(digest[a]) << 16 | Int(digest[b]) << 8 | Int(digest[c]), 4)
        }
        put(Int(digest[11]), 2)
        return out
    }

    private static func md5(_ parts: [[UInt8]]) -> [UInt8] {
        let context = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(context) }
        EVP_DigestInit_ex(context, EVP_md5(), nil)
        for part in parts { part.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) } }
        var digest = [UInt8](repeating: 0, count: 16)
        var length: UInt32 = 16
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest
    }
}
