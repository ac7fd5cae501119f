/// A route's host as the matcher keys it: an exact name, or `*.` plus a suffix.
///
/// Built only by `HostPattern.parse`, so the text is lowercase, has no trailing dot and
/// is made of valid DNS labels.
enum HostPattern: Hashable, Sendable {
    case exact(String)
    /// `*.example.test` is stored as `example.test`: the request's first label is
    /// dropped and the rest looked up, so the star covers exactly one label.
    case wildcard(suffix: String)

    /// The host as shown in labels and `/routes`.
    var text: String {
        switch self {
        case .exact(let name): return name
        case .wildcard(let suffix): return "*." + suffix
        }
    }

    /// Lowercases and checks `text`; the error completes "host 'x' ...".
    static func parse(_ text: String) -> Result<HostPattern, HostProblem> {
        var name = text.lowercased()
        if name.hasSuffix(".") && name.count > 1 { name.removeLast() }  // `example.test.` is the same host
        if name.isEmpty { return .failure(.empty) }
        if name.contains(":") { return .failure(.hasPort) }
        if name.utf8.count > 253 { return .failure(.tooLong) }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        var isWildcard = false
        if labels.first == "*" {
            guard labels.count >= 2 else { return .failure(.misplacedWildcard) }
            isWildcard = true
            labels.removeFirst()
        }
        for label in labels {
            if let problem = labelProblem(label) { return .failure(problem) }
        }
        let suffix = labels.joined(separator: ".")
        return .success(isWildcard ? .wildcard(suffix: suffix) : .exact(suffix))
    }

    private static func labelProblem(_ label: Substring) -> HostProblem? {
        if label.isEmpty { return .emptyLabel }
        if label.contains("*") { return .misplacedWildcard }
        if label.utf8.count > 63 { return .labelTooLong }
        for scalar in label.unicodeScalars where !(scalar.isASCII && (isAlphanumeric(UInt8(scalar.value)) || scalar == "-")) {
            return .invalidCharacter(Character(scalar))
        }
        let bytes = label.utf8
        if bytes.first == UInt8(ascii: "-") || bytes.last == UInt8(ascii: "-") { return .hyphenAtEdge }
        return nil
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}

/// Why a route host is rejected.
enum HostProblem: Error, Equatable, Sendable {
    case empty
    case hasPort
    case tooLong
    case emptyLabel
    case labelTooLong
    case misplacedWildcard
    case invalidCharacter(Character)
    case hyphenAtEdge

    var explanation: String {
        switch self {
        case .empty: return "is empty (leave the host out to match every host)"
        case .hasPort: return "has a port; route hosts match the Host header without its port"
        case .tooLong: return "is longer than 253 characters"
        case .emptyLabel: return "has an empty label"
        case .labelTooLong: return "has a label longer than 63 characters"
        case .misplacedWildcard: return "uses '*' other than as the whole first label ('*.example.test')"
        case .invalidCharacter(let c): return "contains '\(c)'; labels are letters, digits and '-'"
        case .hyphenAtEdge: return "has a label starting or ending with '-'"
        }
    }
}
