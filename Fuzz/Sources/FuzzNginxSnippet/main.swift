import ApusCore
import ApusKubernetes

/// configuration-snippet and server-snippet text, read for header directives: never traps;
/// every directive has a name; every problem says something; a snippet read as header
/// rules yields only rules whose names came from the text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    switch NginxSnippet.directives(text) {
    case .success(let directives):
        for directive in directives { precondition(!directive.name.isEmpty, "a directive without a name") }
    case .failure(let problem):
        precondition(!problem.message.isEmpty, "a problem without a message")
    }
    if case .success(let rules) = NginxSnippet.headerRules(text) {
        for rule in rules.request.replacing + rules.response.replacing + rules.response.adding {
            precondition(!rule.name.contains("$"), "a rule from a variable: \(rule.name)")
        }
    }
    return 0
}
