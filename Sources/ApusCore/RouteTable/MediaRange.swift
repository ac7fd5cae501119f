/// One entry of a compressible-types list: `type/subtype`, `type/*`, `*/*`, or a
/// structured-syntax suffix range `type/*+suffix` (`application/*+json`; `*/*+xml` for
/// any type). Names are stored lowercase; matching ignores case (RFC 9110 §8.3.1).
public struct MediaRange: Equatable, Sendable, CustomStringConvertible {
    public enum Subtype: Equatable, Sendable {
        case any
        case exact([UInt8])
        /// The subtype ends in this suffix, `+` included (`+json`), after at least one byte.
        case suffix([UInt8])
    }

    /// nil for `*`.
    public var type: [UInt8]?
    public var subtype: Subtype

    /// The range written as `text`, or nil when it is not one of the accepted forms.
    public static func parse(_ text: String) -> MediaRange? {
        let lowered = Array(text.lowercased().utf8)
        guard let slash = lowered.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let type = Array(lowered[..<slash])
        let subtype = Array(lowered[(slash + 1)...])
        guard !type.isEmpty, !subtype.isEmpty else { return nil }
        let star = UInt8(ascii: "*")
        let anyType = type == [star]
        if !anyType && !isName(type) { return nil }
        if subtype == [star] { return MediaRange(type: anyType ? nil : type, subtype: .any) }
        if subtype.count > 2 && subtype[0] == star && subtype[1] == UInt8(ascii: "+") {
            let suffix = Array(subtype[1...])
            guard isName(Array(suffix.dropFirst())) else { return nil }
            return MediaRange(type: anyType ? nil : type, subtype: .suffix(suffix))
        }
        // `*/json` names no sensible set of types.
        guard !anyType, isName(subtype) else { return nil }
        return MediaRange(type: type, subtype: .exact(subtype))
    }

    /// RFC 6838 restricted-name characters (letters, digits, `!#$&-^_.+`), first one
    /// alphanumeric.
    private static func isName(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || "!#$&-^_.+".utf8.contains($0) }
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }

    public var description: String {
        let type = self.type.map { String(decoding: $0, as: UTF8.self) } ?? "*"
        switch subtype {
        case .any: return type + "/*"
        case .exact(let name): return type + "/" + String(decoding: name, as: UTF8.self)
        case .suffix(let suffix): return type + "/*" + String(decoding: suffix, as: UTF8.self)
        }
    }

    /// Whether the media type `type/subtype` (raw bytes of a Content-Type value, any case)
    /// falls in this range.
    func matches(_ p: UnsafePointer<UInt8>, type typeRange: Range<Int>, subtype subtypeRange: Range<Int>) -> Bool {
        if let type, !Self.equalsLowercase(p, typeRange, type) { return false }
        switch subtype {
        case .any:
            return true
        case .exact(let name):
            return Self.equalsLowercase(p, subtypeRange, name)
        case .suffix(let suffix):
            guard subtypeRange.count > suffix.count else { return false }
            return Self.equalsLowercase(p, (subtypeRange.upperBound - suffix.count)..<subtypeRange.upperBound, suffix)
        }
    }

    private static func equalsLowercase(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, _ lower: [UInt8]) -> Bool {
        guard range.count == lower.count else { return false }
        var i = 0
        for position in range {
            var b = p[position]
            if b &- 65 < 26 { b |= 0x20 }
            if b != lower[i] { return false }
            i += 1
        }
        return true
    }
}

/// The media ranges one route compresses.
public struct MediaTypeList: Equatable, Sendable {
    public var ranges: [MediaRange]

    public init(_ ranges: [MediaRange]) {
        self.ranges = ranges
    }

    /// Whether a Content-Type field value (`text/html; charset=utf-8`) names a listed type:
    /// parameters and surrounding whitespace are ignored, case is not significant. A value
    /// without a `/` matches nothing.
    public func matches(contentType value: UnsafeRawBufferPointer) -> Bool {
        guard let p = value.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        let end = value.count
        var start = 0
        while start < end && (p[start] == 32 || p[start] == 9) { start += 1 }
        var slash = -1
        var stop = start
        while stop < end {
            let b = p[stop]
            if b == UInt8(ascii: ";") || b == 32 || b == 9 { break }
            if b == UInt8(ascii: "/") && slash < 0 { slash = stop }
            stop += 1
        }
        guard slash > start, slash + 1 < stop else { return false }
        return ranges.contains { $0.matches(p, type: start..<slash, subtype: (slash + 1)..<stop) }
    }

    /// `matches(contentType:)` for a String value (static files, tests).
    public func matches(contentType value: String) -> Bool {
        var value = value
        return value.withUTF8 { matches(contentType: UnsafeRawBufferPointer($0)) }
    }
}

/// What a route does about compression, compiled: present only where gzip is on.
/// Routes with equal settings share one instance.
/// Thread rule: immutable, shared by all workers.
public final class CompressionPolicy: Sendable {
    public let level: Int
    public let minLength: Int64
    public let types: MediaTypeList

    public init(level: Int, minLength: Int64, types: MediaTypeList) {
        self.level = level
        self.minLength = minLength
        self.types = types
    }
}
