/// A second upstream that takes part of a path's requests (ingress-nginx's canary
/// Ingress), decided per request in this order: the `header` field (`always` or `never`,
/// or `header_value` matched exactly, or `header_pattern` searched), then the `cookie`
/// (`always` or `never`), then `weight` out of `weight_total`. A field or cookie with any
/// other value falls through to the next test. The weighted share is spread evenly (of
/// every `weight_total` requests a worker sends, exactly `weight` go to the canary) and
/// the count survives table swaps. A canary upstream without endpoints takes nothing.
/// A path's setting replaces its route's whole; `enabled: false` turns an inherited one off.
public struct CanaryConfig: Equatable, Sendable {
    public var enabled: Bool
    public var upstream: String
    /// A field name; its value `always` or `never` decides, unless `headerValue` or
    /// `headerPattern` is given.
    public var header: String?
    /// Exact, case-sensitive; wins over `headerPattern`.
    public var headerValue: String?
    /// PCRE2, case-sensitive, matching anywhere in the value.
    public var headerPattern: String?
    public var cookie: String?
    public var weight: Int
    public var weightTotal: Int
    public var location: SourceLocation

    public init(enabled: Bool = true, upstream: String, header: String? = nil, headerValue: String? = nil, headerPattern: String? = nil,
                cookie: String? = nil, weight: Int = 0, weightTotal: Int = 100, location: SourceLocation = .unknown) {
        self.enabled = enabled
        self.upstream = upstream
        self.header = header
        self.headerValue = headerValue
        self.headerPattern = headerPattern
        self.cookie = cookie
        self.weight = weight
        self.weightTotal = weightTotal
        self.location = location
    }

    /// A path rule's `canary: false`.
    public static func off(at location: SourceLocation) -> CanaryConfig {
        CanaryConfig(enabled: false, upstream: "", location: location)
    }
}
