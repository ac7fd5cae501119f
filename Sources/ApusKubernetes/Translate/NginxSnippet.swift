import ApusCore

/// The header directives of an ingress-nginx snippet annotation, read as data: never
/// executed, never spliced anywhere. `more_set_headers`, `add_header`, `more_clear_headers`
/// (response) and `proxy_set_header`, `more_set_input_headers` (request) become header
/// rules; any other directive, a block, or a value with an nginx variable is refused with
/// its name, since Apus cannot do what it says.
public enum NginxSnippet {
    public struct Directive: Equatable {
        public var name: String
        public var arguments: [String]
    }

    public struct Problem: Error, Equatable {
        public var message: String
    }

    /// nginx's tokens: words and quoted strings (with `\` escapes), `;` ending a directive,
    /// `#` starting a comment; `{` and `}` are blocks, which a snippet of headers never has.
    public static func directives(_ text: String) -> Result<[Directive], Problem> {
        var directives: [Directive] = []
        var words: [String] = []
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.first {
            switch c {
            case " ", "\t", "\n", "\r":
                chars.removeFirst()
            case "#":
                while let d = chars.first, d != "\n" { chars.removeFirst() }
            case ";":
                chars.removeFirst()
                guard let name = words.first else { return .failure(Problem(message: "has an empty directive (a ';' alone)")) }
                guard !name.isEmpty else { return .failure(Problem(message: "has a directive without a name (an empty quoted string)")) }
                directives.append(Directive(name: name, arguments: Array(words.dropFirst())))
                words = []
            case "{", "}":
                return .failure(Problem(message: "has a block ('\(c)'); only header directives are read"))
            case "\"", "'":
                chars.removeFirst()
                var word = ""
                var closed = false
                while let d = chars.popFirst() {
                    if d == c { closed = true; break }
                    if d == "\\", let escaped = chars.popFirst() { word.unicodeScalars.append(escaped); continue }
                    word.unicodeScalars.append(d)
                }
                guard closed else { return .failure(Problem(message: "has an unterminated quoted string")) }
                words.append(word)
            default:
                var word = ""
                while let d = chars.first, !" \t\n\r;{}\"'#".unicodeScalars.contains(d) {
                    word.unicodeScalars.append(d)
                    chars.removeFirst()
                }
                words.append(word)
            }
        }
        guard words.isEmpty else { return .failure(Problem(message: "ends without ';' after '\(words.joined(separator: " "))'")) }
        return .success(directives)
    }

    /// The request and response header rules the directives say.
    public static func headerRules(_ text: String) -> Result<(request: HeaderRulesConfig, response: HeaderRulesConfig), Problem> {
        let directives: [Directive]
        switch Self.directives(text) {
        case .success(let parsed): directives = parsed
        case .failure(let problem): return .failure(problem)
        }
        var request = HeaderRulesConfig()
        var response = HeaderRulesConfig()
        for directive in directives {
            let arguments = directive.arguments
            if let variable = arguments.first(where: { $0.contains("$") }) {
                return .failure(Problem(message: "\(directive.name) uses an nginx variable ('\(variable)'), which Apus cannot evaluate"))
            }
            switch directive.name {
            case "more_set_headers", "more_set_input_headers":
                // Options (-s status list, -t content types) narrow where nginx applies them.
                guard !arguments.contains(where: { $0.hasPrefix("-") }) else {
                    return .failure(Problem(message: "\(directive.name) with -s or -t options is not supported"))
                }
                guard !arguments.isEmpty else { return .failure(Problem(message: "\(directive.name) names no header")) }
                for argument in arguments {
                    guard let colon = argument.firstIndex(of: ":") else {
                        return .failure(Problem(message: "\(directive.name) '\(argument)' is not 'Name: value'"))
                    }
                    let name = String(argument[..<colon]).trimmingOptionalWhitespace()
                    let value = String(argument[argument.index(after: colon)...].trimmingOptionalWhitespace())
                    let rule = HeaderValueRule(name: String(name), value: .literal(value))
                    if directive.name == "more_set_headers" { response.replacing.append(rule) } else { request.replacing.append(rule) }
                }
            case "add_header":
                // `always` adds to error answers too; Apus adds response rules to every
                // proxied answer, so both forms read the same.
                guard arguments.count == 2 || (arguments.count == 3 && arguments[2] == "always") else {
                    return .failure(Problem(message: "add_header wants a name and a value (and 'always')"))
                }
                response.adding.append(HeaderValueRule(name: arguments[0], value: .literal(arguments[1])))
            case "proxy_set_header":
                guard arguments.count == 2 else { return .failure(Problem(message: "proxy_set_header wants a name and a value")) }
                if arguments[1].isEmpty {
                    request.removing.append(HeaderNameRule(name: arguments[0]))
                } else {
                    request.replacing.append(HeaderValueRule(name: arguments[0], value: .literal(arguments[1])))
                }
            case "more_clear_headers", "more_clear_input_headers":
                guard !arguments.isEmpty, !arguments.contains(where: { $0.hasPrefix("-") || $0.contains("*") }) else {
                    return .failure(Problem(message: "\(directive.name) with options or wildcards is not supported"))
                }
                for name in arguments {
                    if directive.name == "more_clear_headers" { response.removing.append(HeaderNameRule(name: name)) } else { request.removing.append(HeaderNameRule(name: name)) }
                }
            default:
                return .failure(Problem(message: "has the directive '\(directive.name)', which Apus does not do (only header directives are read)"))
            }
        }
        return .success((request, response))
    }
}
