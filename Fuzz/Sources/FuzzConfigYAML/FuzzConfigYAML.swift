import ApusConfigFile
import ApusCore

/// The YAML parser and the route-table compiler behind it must never crash, must explain
/// every rejection, and must compile whatever the parser accepts or reads best effort.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let (configuration, diagnostics) = ConfigFileParser.parse(text, path: "fuzz.yaml")
    precondition(configuration != nil || !diagnostics.isEmpty, "rejected without a diagnostic")
    let (partial, _) = ConfigFileParser.parseBestEffort(text, path: "fuzz.yaml")
    if let partial {
        let (table, compileDiagnostics) = RouteTableCompiler.compile(partial)
        for diagnostic in compileDiagnostics { precondition(!diagnostic.message.isEmpty, "empty diagnostic") }
        _ = table.renderJSON(generation: 1, diagnostics: compileDiagnostics)
    }
    return 0
}
