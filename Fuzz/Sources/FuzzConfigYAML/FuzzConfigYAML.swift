import ApusConfigFile

/// The YAML configuration parser must never crash, and must explain every rejection.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let (configuration, diagnostics) = ConfigFileParser.parse(text, path: "fuzz.yaml")
    precondition(configuration != nil || !diagnostics.isEmpty, "rejected without a diagnostic")
    return 0
}
