/// The contents of the files that header rules take values from (`value_from_file`), read
/// by the caller before compiling, because the compiler does no I/O.
///
/// The contents are secrets: `description` names the paths only, and nothing here is ever
/// rendered into diagnostics, logs or `/routes`.
public struct HeaderValueFiles: Equatable, Sendable, CustomStringConvertible {
    public enum Content: Equatable, Sendable {
        /// Trimmed, checked by `HeaderValueFiles.value(fromFileBytes:)`.
        case value([UInt8])
        /// Why the file gives no value ("No such file or directory", "is empty").
        case unusable(reason: String)
    }

    public var contents: [String: Content]

    public init(_ contents: [String: Content] = [:]) {
        self.contents = contents
    }

    public subscript(path: String) -> Content? {
        get { contents[path] }
        set { contents[path] = newValue }
    }

    public var description: String {
        "HeaderValueFiles(\(contents.keys.sorted().joined(separator: ", ")))"
    }

    /// Far above any token (a Kubernetes service-account token is about 1 KiB), and below
    /// what upstreams accept as a whole head.
    public static let maximumValueBytes = 16 * 1024

    /// A file's bytes as a header value: surrounding whitespace (the trailing newline most
    /// editors and `echo` add) trimmed; empty, oversized or control-character content is
    /// refused with a reason that does not quote it. An empty file is refused rather than
    /// sent, since a writer that truncates before writing leaves one for a moment.
    public static func value(fromFileBytes bytes: [UInt8]) -> Result<[UInt8], UnusableValue> {
        var start = 0
        var end = bytes.count
        while start < end && isWhitespace(bytes[start]) { start += 1 }
        while end > start && isWhitespace(bytes[end - 1]) { end -= 1 }
        if start == end { return .failure(UnusableValue("is empty")) }
        if end - start > maximumValueBytes {
            return .failure(UnusableValue("holds more than \(maximumValueBytes / 1024) KiB"))
        }
        let value = Array(bytes[start..<end])
        if let problem = HeaderValueCheck.problem(in: value) { return .failure(UnusableValue(problem)) }
        return .success(value)
    }

    private static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    /// Why a file's content can't be a header value (never quoting the content).
    public struct UnusableValue: Error, Equatable, Sendable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }
}

/// The checks a header name or value must pass before Apus writes it into a head.
public enum HeaderValueCheck {
    /// Why `value` can't go into a field value, or nil when it can: RFC 9110 §5.5 allows
    /// visible characters, SP, HTAB and obs-text; a CR, LF or NUL would split or end the
    /// head (header injection), and other control characters are refused by strict peers.
    /// The message never quotes the value, which may be a secret.
    public static func problem(in value: [UInt8]) -> String? {
        for b in value {
            switch b {
            case 0x0D, 0x0A: return "contains a line break (CR or LF)"
            case 0x00: return "contains a NUL byte"
            case 0x09: continue
            case 0x01...0x1F, 0x7F: return "contains a control character"
            default: continue
            }
        }
        return nil
    }

    /// Whether `name` is an RFC 9110 token (`tchar`s only, at least one).
    public static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenChar)
    }

    static func isTokenChar(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }
}
