import ApusCore

/// External auth's URL, templates and cache durations as written in a config or an
/// annotation: never traps; a parsed template gives back the text it was written as;
/// a parsed URL has a port in range and a target starting with `/`; every duration is
/// positive; every problem says something.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    switch RequestTemplate.parse(text) {
    case .success(let template):
        precondition(template.written == text)
        let rebuilt = template.pieces.map { piece -> String in if case .text(let literal) = piece { literal } else { "" } }.joined()
        precondition(rebuilt.count <= text.count, "pieces longer than the text")
    case .failure(let problem):
        precondition(!problem.message.isEmpty)
    }
    switch ExternalAuthURL.parse(text) {
    case .success(let url):
        precondition((1...65535).contains(url.port), "port \(url.port)")
        precondition(url.target.written.hasPrefix("/"), "target \(url.target.written)")
        if let host = url.host { precondition(!host.isEmpty && !host.contains("$")) }
    case .failure(let problem):
        precondition(!problem.message.isEmpty)
    }
    switch AuthCacheRule.parse(text) {
    case .success(let rules):
        precondition(!rules.isEmpty && rules.allSatisfy { $0.seconds > 0 && !$0.statuses.isEmpty })
    case .failure(let problem):
        precondition(!problem.message.isEmpty)
    }
    let auth = ExternalAuthConfig(url: text, signin: text, cacheKey: text, cacheDuration: text)
    for problem in RouteTableCompiler.externalAuthProblems(auth) { precondition(!problem.isEmpty) }
    return 0
}
