/// The host name in a ClientHello's server_name extension (RFC 6066 section 3), read
/// before OpenSSL has looked at it: the client-certificate policy must be in place before
/// a session is resumed, which happens before the server name callback.
public enum ServerNameExtension {
    /// The first `host_name` entry, lowercased and without a trailing dot; nil when the
    /// extension is malformed or names no host.
    public static func hostName(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count >= 2 else { return nil }
        let listLength = Int(bytes[0]) << 8 | Int(bytes[1])
        guard listLength == bytes.count - 2 else { return nil }
        var index = 2
        while index + 3 <= bytes.count {
            let type = bytes[index]
            let length = Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            let start = index + 3
            guard start + length <= bytes.count else { return nil }
            if type == 0 {
                // A host name is an ASCII DNS name (RFC 6066); anything else is no name.
                guard length > 0, length <= 255 else { return nil }
                var name = ""
                for byte in bytes[start..<start + length] {
                    guard byte > 0x20 && byte < 0x7F else { return nil }
                    name.unicodeScalars.append(Unicode.Scalar(byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0)))
                }
                if name.hasSuffix(".") { name.removeLast() }
                // Empty labels (`a..b`, `.a`, `a..`) make no host name.
                guard !name.isEmpty, !name.hasPrefix("."), !name.hasSuffix("."), !name.contains("..") else { return nil }
                return name
            }
            index = start + length
        }
        return nil
    }
}
