import ApusCore
import ApusKubernetes

/// The object decoder (JSON as the API sends it, YAML as manifests hold it) and the
/// translation and compiler behind it must never crash; every rejection names its problem,
/// and whatever decodes must translate and compile.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var objects: [KubernetesObject] = []
    if bytes.first == UInt8(ascii: "{") {
        do {
            let tree = try ObjectTree.parseJSON(bytes)
            if case .scalar(let kind, _)? = tree["kind"], kind.hasSuffix("List") {
                objects = try ObjectDecoder.decodeList(tree).items
            } else {
                objects = [try ObjectDecoder.decode(tree)]
            }
        } catch {
            precondition(!error.problem.isEmpty, "rejected without a reason")
        }
    } else {
        let (entries, diagnostics) = ManifestReader.read(String(decoding: bytes, as: UTF8.self), path: "fuzz.yaml")
        for diagnostic in diagnostics { precondition(!diagnostic.message.isEmpty, "empty diagnostic") }
        objects = entries.map(\.object)
    }
    guard !objects.isEmpty else { return 0 }
    let base = Configuration(listeners: [ListenerConfig(name: "http", listen: "127.0.0.1:8080")])
    let translation = IngressTranslator.translate(snapshot: ClusterSnapshot(objects: objects), options: IngressTranslationOptions(), base: base)
    for diagnostic in translation.diagnostics { precondition(!diagnostic.message.isEmpty, "empty diagnostic") }
    let (table, compileDiagnostics) = RouteTableCompiler.compile(translation.configuration)
    _ = table.renderJSON(generation: 1, diagnostics: compileDiagnostics)
    return 0
}
