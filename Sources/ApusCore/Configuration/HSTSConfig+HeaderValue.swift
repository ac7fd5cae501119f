extension HSTSConfig {
    /// Reads a `Strict-Transport-Security` value as an operator writes it on the command
    /// line (`max-age=31536000; includeSubDomains; preload`, RFC 6797 §6.1): directive
    /// names in any case, empty directives skipped (`max-age=600;`), `max-age` required,
    /// each directive at most once. Stricter than a browser, which skips what it does not
    /// know: an unknown directive here is a typo.
    public static func parse(headerValue text: String) -> Result<HSTSConfig, HSTSValueError> {
        var config = HSTSConfig(maxAgeSeconds: -1)
        var seen = Set<String>()
        for part in text.split(separator: ";", omittingEmptySubsequences: false) {
            let directive = part.trimmingOptionalWhitespace()
            if directive.isEmpty { continue }
            let name: Substring
            var value: Substring?
            if let equals = directive.firstIndex(of: "=") {
                name = directive[..<equals].trimmingOptionalWhitespace()
                value = directive[directive.index(after: equals)...].trimmingOptionalWhitespace()
            } else {
                name = directive
            }
            let lowered = name.lowercased()
            guard seen.insert(lowered).inserted else { return .failure(HSTSValueError("'\(name)' appears twice", in: text)) }
            switch lowered {
            case "max-age":
                guard var digits = value else { return .failure(HSTSValueError("max-age needs a number of seconds", in: text)) }
                if digits.count >= 2, digits.first == "\"", digits.last == "\"" { digits = digits.dropFirst().dropLast() }
                guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                      let seconds = Int(digits) else {
                    return .failure(HSTSValueError("max-age '\(value!)' is not a number of seconds", in: text))
                }
                config.maxAgeSeconds = seconds
            case "includesubdomains", "preload":
                guard value == nil else { return .failure(HSTSValueError("\(name) takes no value", in: text)) }
                if lowered == "preload" { config.preload = true } else { config.includeSubdomains = true }
            default:
                return .failure(HSTSValueError("unknown directive '\(name)' (max-age, includeSubDomains and preload are known)", in: text))
            }
        }
        guard config.maxAgeSeconds >= 0 else { return .failure(HSTSValueError("max-age is missing", in: text)) }
        return .success(config)
    }
}

/// Why a `Strict-Transport-Security` value was not accepted, with the value.
public struct HSTSValueError: Error, Equatable, Sendable {
    public var message: String

    init(_ problem: String, in text: String) {
        message = "'\(text)' is not a Strict-Transport-Security value: \(problem)"
    }
}
