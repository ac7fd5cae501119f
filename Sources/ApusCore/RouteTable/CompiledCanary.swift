/// A path's canary as workers use it (see `CanaryConfig`). Immutable, shared by workers.
public final class CompiledCanary: Sendable {
    public let config: CanaryConfig
    /// Index into the table's upstreams.
    public let upstream: Int
    /// Lowercase, as header names are compared.
    public let header: [UInt8]?
    public let headerValue: [UInt8]?
    let headerPattern: CompiledPattern?
    public let cookie: [UInt8]?
    public let weight: UInt64
    public let weightTotal: UInt64

    /// `config` passed `RouteTableCompiler.canaryProblems`.
    init(config: CanaryConfig, upstream: Int) {
        self.config = config
        self.upstream = upstream
        header = config.header.map { Array($0.lowercased().utf8) }
        headerValue = config.headerValue.map { Array($0.utf8) }
        // The value wins when both are given, as in ingress-nginx.
        headerPattern = config.headerValue == nil ? config.headerPattern.flatMap { try? CompiledPattern($0, flavor: .search) } : nil
        // Lowercase: cookie names are matched regardless of case, as nginx's `$cookie_NAME`.
        cookie = config.cookie.map { Array($0.lowercased().utf8) }
        weight = UInt64(max(0, config.weight))
        weightTotal = UInt64(max(1, config.weightTotal))
    }

    /// What a header or cookie value says.
    public enum Verdict {
        case canary
        case main
        /// Neither: the next test decides.
        case undecided
    }

    /// The verdict of the header field's value. `scratch` must not be the one holding a
    /// route match's captures.
    public func verdict(ofHeader value: UnsafeRawBufferPointer, scratch: MatchScratch) -> Verdict {
        if let headerValue { return value.elementsEqual(headerValue) ? .canary : .undecided }
        if let headerPattern { return scratch.matches(headerPattern, value) ? .canary : .undecided }
        return Self.alwaysOrNever(value)
    }

    /// The verdict of the cookie's value.
    public func verdict<Bytes: Collection<UInt8>>(ofCookie value: Bytes) -> Verdict {
        Self.alwaysOrNever(value)
    }

    private static func alwaysOrNever<Bytes: Collection<UInt8>>(_ value: Bytes) -> Verdict {
        if value.elementsEqual("always".utf8) { return .canary }
        if value.elementsEqual("never".utf8) { return .main }
        return .undecided
    }

    /// Whether the `count`-th weighted request (counting from 1) goes to the canary:
    /// `weight` of every `weightTotal` consecutive ones, evenly spaced (the `count`-th is
    /// the canary's when `count × weight / weightTotal` passes a whole number).
    @inline(__always)
    public func takesWeighted(_ count: UInt64) -> Bool {
        if weight == 0 { return false }
        if weight >= weightTotal { return true }
        var position = count % weightTotal
        if position == 0 { position = weightTotal }
        // Both products stay below 2^63: the compiler bounds weight_total.
        return position * weight / weightTotal != (position - 1) * weight / weightTotal
    }

    /// The largest `weight_total` (so that the products above cannot overflow).
    public static let maximumWeightTotal = 1_000_000_000
}
