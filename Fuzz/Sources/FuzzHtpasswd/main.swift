import ApusCore

/// htpasswd text (a file, a Secret's `auth`, auth-map lines) and the base64 of
/// `Authorization: Basic`: parsing never traps; every problem names a line of the input;
/// a hash that parses verifies a password without trapping (the crypt kinds are left out,
/// a bcrypt per input would stall the fuzzer); base64 that decodes encodes back to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    let (users, problems) = Htpasswd.parse(text)
    let lineCount = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.count
    for problem in problems { precondition(problem.line >= 1 && problem.line <= lineCount, "problem on line \(problem.line) of \(lineCount)") }
    for (_, hash) in users {
        if case .crypt = hash { continue }
        _ = Array(bytes.prefix(16)).withUnsafeBytes { hash.verifies($0) }
    }
    if let decoded = Base64.decode(bytes) {
        precondition(encode(decoded) == Array(bytes), "base64 does not encode back to its input")
    }
    return 0
}

private func encode(_ bytes: [UInt8]) -> [UInt8] {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    var index = 0
    while index < bytes.count {
        let count = min(3, bytes.count - index)
        var bits = 0
        for k in 0..<3 { bits = bits << 8 | (k < count ? Int(bytes[index + k]) : 0) }
        for k in 0..<4 { out.append(k <= count ? alphabet[(bits >> (18 - 6 * k)) & 0x3F] : UInt8(ascii: "=")) }
        index += 3
    }
    return out
}
