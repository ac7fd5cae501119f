import ApusCore

/// `--hsts VALUE` (a Strict-Transport-Security value written by an operator): never
/// traps; what parses has a non-negative max-age and parses again from the value Apus
/// sends to the same settings; a refusal quotes the value and says why.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    switch HSTSConfig.parse(headerValue: text) {
    case .success(let hsts):
        precondition(hsts.maxAgeSeconds >= 0, "max-age \(hsts.maxAgeSeconds)")
        precondition((try? HSTSConfig.parse(headerValue: hsts.headerValue).get()) == hsts, "\(hsts.headerValue) does not parse back")
    case .failure(let error):
        precondition(error.message.hasPrefix("'\(text)' is not a Strict-Transport-Security value: ") && !error.message.hasSuffix(": "))
    }
    return 0
}
