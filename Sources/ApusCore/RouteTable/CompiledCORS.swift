/// A route's CORS policy, compiled into the response edits each outcome needs, so that a
/// request from `*` or a listed origin costs a comparison and no allocation.
///
/// Every variant is the route's own response edits (TLS and plain, as `CompiledRoute`)
/// with the CORS fields added: `set` semantics, so an upstream's own
/// `Access-Control-*` fields are replaced. Only an origin matched by a `*.` pattern has its
/// variant built per request (it echoes the origin, which the configuration cannot list).
public final class CompiledCORS: Sendable {
    public struct Variant: Sendable {
        public let plain: CompiledHeaderEdits
        public let tls: CompiledHeaderEdits

        public func edits(tls isTLS: Bool) -> CompiledHeaderEdits { isTLS ? tls : plain }
    }

    /// `scheme://*.rest`: `prefix` is `scheme://`, `suffix` `.rest`, lowercase.
    struct Pattern: Sendable {
        let prefix: [UInt8]
        let suffix: [UInt8]
    }

    /// `*`: every request gets the fields (with `Access-Control-Allow-Origin: *`), whatever
    /// its Origin, as ingress-nginx does.
    public let anyOrigin: Variant?
    /// Lowercase origins and their variants.
    let exact: [([UInt8], Variant)]
    let patterns: [Pattern]
    /// The route's edits (with `Vary: Origin` for a list) for a request from no allowed
    /// origin; an upstream's own `Access-Control-*` fields are removed too, so that such an
    /// origin gets no CORS field at all (ingress-nginx would pass the upstream's through).
    public let unmatched: Variant
    /// The lines after Allow-Origin, which a pattern match adds to `unmatched`.
    private let fixedLines: [UInt8]
    /// For `/routes`.
    public let config: CORSConfig

    /// - Parameter base: the route's response edits without CORS (plain, TLS), already
    ///   stripped of rules naming a CORS field and with `Vary: Origin` added for a list.
    init(config: CORSConfig, base: (plain: CompiledHeaderEdits?, tls: CompiledHeaderEdits?)) {
        self.config = config
        var names: [UInt8] = []
        var lines: [UInt8] = []
        for name in ["Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
                     "Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age"] {
            names.append(UInt8(name.utf8.count))
            names += Array(name.lowercased().utf8)
        }
        if config.allowCredentials { lines += Array("Access-Control-Allow-Credentials: true\r\n".utf8) }
        lines += Array("Access-Control-Allow-Methods: \(config.allowMethods)\r\n".utf8)
        lines += Array("Access-Control-Allow-Headers: \(config.allowHeaders)\r\n".utf8)
        if !config.exposeHeaders.isEmpty { lines += Array("Access-Control-Expose-Headers: \(config.exposeHeaders)\r\n".utf8) }
        lines += Array("Access-Control-Max-Age: \(config.maxAgeSeconds)\r\n".utf8)
        fixedLines = lines
        unmatched = Variant(
            plain: CompiledHeaderEdits(removedNames: (base.plain?.removedNames ?? []) + names, addedLines: base.plain?.addedLines ?? []),
            tls: CompiledHeaderEdits(removedNames: (base.tls?.removedNames ?? []) + names, addedLines: base.tls?.addedLines ?? []))

        func variant(origin: [UInt8]) -> Variant {
            let line = Array("Access-Control-Allow-Origin: ".utf8) + origin + [13, 10]
            return Variant(
                plain: CompiledHeaderEdits(removedNames: (base.plain?.removedNames ?? []) + names,
                                           addedLines: (base.plain?.addedLines ?? []) + line + lines),
                tls: CompiledHeaderEdits(removedNames: (base.tls?.removedNames ?? []) + names,
                                         addedLines: (base.tls?.addedLines ?? []) + line + lines))
        }
        if config.allowOrigins.contains("*") {
            anyOrigin = variant(origin: [UInt8(ascii: "*")])
            exact = []
            patterns = []
            return
        }
        anyOrigin = nil
        var exact: [([UInt8], Variant)] = []
        var patterns: [Pattern] = []
        for origin in config.allowOrigins {
            let lower = Array(origin.lowercased().utf8)
            if let star = origin.firstRange(of: "://*.") {
                let prefix = origin[..<star.lowerBound].lowercased() + "://"
                patterns.append(Pattern(prefix: Array(prefix.utf8), suffix: Array(origin[origin.index(before: star.upperBound)...].lowercased().utf8)))
            } else {
                exact.append((lower, variant(origin: Array(origin.utf8))))
            }
        }
        self.exact = exact
        self.patterns = patterns
    }

    /// The edits for a request's Origin (nil: no Origin field), and whether it is allowed.
    public func decide(origin: UnsafeRawBufferPointer?, tls: Bool) -> (edits: CompiledHeaderEdits, allowed: Bool) {
        if let anyOrigin { return (anyOrigin.edits(tls: tls), true) }
        guard let origin else { return (unmatched.edits(tls: tls), false) }
        for (candidate, variant) in exact where Self.equalIgnoringCase(origin, candidate) {
            return (variant.edits(tls: tls), true)
        }
        for pattern in patterns where matches(origin, pattern) {
            let line = Array("Access-Control-Allow-Origin: ".utf8) + Array(origin) + [13, 10]
            let base = unmatched.edits(tls: tls)
            return (CompiledHeaderEdits(removedNames: base.removedNames, addedLines: base.addedLines + line + fixedLines), true)
        }
        return (unmatched.edits(tls: tls), false)
    }

    /// `prefix`, one label of letters, digits and hyphens, then `suffix` to the end.
    private func matches(_ origin: UnsafeRawBufferPointer, _ pattern: Pattern) -> Bool {
        let count = origin.count
        guard count > pattern.prefix.count + pattern.suffix.count,
              Self.equalIgnoringCase(UnsafeRawBufferPointer(rebasing: origin[0..<pattern.prefix.count]), pattern.prefix),
              Self.equalIgnoringCase(UnsafeRawBufferPointer(rebasing: origin[(count - pattern.suffix.count)...]), pattern.suffix)
        else { return false }
        return origin[pattern.prefix.count..<(count - pattern.suffix.count)].allSatisfy { byte in
            (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
        }
    }

    private static func equalIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lower: [UInt8]) -> Bool {
        bytes.count == lower.count && zip(bytes, lower).allSatisfy { a, b in a == b || (a >= 0x41 && a <= 0x5A && a | 0x20 == b) }
    }
}
