/// Response compression: gzip for responses whose client accepts it, whose upstream did
/// not encode them, whose type is listed and whose length reaches `minLength`.
///
/// Set at the top level (`compression:`); a path rule's `CompressionOverride` replaces
/// the parts it names.
public struct CompressionConfig: Hashable, Sendable {
    /// Text formats that shrink well; already-compressed formats (images, fonts, archives,
    /// media) gain nothing and are left out.
    public static let defaultTypes = [
        "text/*", "application/json", "application/javascript", "application/xml", "image/svg+xml",
        "application/*+json", "application/*+xml",
    ]
    /// zlib level 5: close to the default level 6's ratio on text for noticeably less CPU.
    public static let defaultLevel = 5
    /// Below about 1 KiB the gzip header, trailer and chunk framing eat most of the saving.
    public static let defaultMinLength: Int64 = 1024

    public var gzip: Bool
    /// zlib compression level, 1 (fastest) … 9 (smallest).
    public var level: Int
    /// Responses with a Content-Length below this stay uncompressed; a response of
    /// unknown length (chunked, until close) always qualifies.
    public var minLength: Int64
    /// Media ranges (`text/*`, `application/json`, `application/*+json`, `*/*`) that
    /// are compressed; parameters of the response's Content-Type are ignored.
    public var types: [String]
    public var location: SourceLocation

    public init(
        gzip: Bool = true, level: Int = CompressionConfig.defaultLevel, minLength: Int64 = CompressionConfig.defaultMinLength,
        types: [String] = CompressionConfig.defaultTypes, location: SourceLocation = .unknown
    ) {
        self.gzip = gzip
        self.level = level
        self.minLength = minLength
        self.types = types
        self.location = location
    }
}

/// A path rule's `compression:`: each part that is set replaces the top-level value.
public struct CompressionOverride: Equatable, Sendable {
    public var gzip: Bool?
    public var level: Int?
    public var minLength: Int64?
    public var types: [String]?
    public var location: SourceLocation

    public init(gzip: Bool? = nil, level: Int? = nil, minLength: Int64? = nil, types: [String]? = nil, location: SourceLocation = .unknown) {
        self.gzip = gzip
        self.level = level
        self.minLength = minLength
        self.types = types
        self.location = location
    }

    /// `base` with this override's parts in place.
    public func applied(to base: CompressionConfig) -> CompressionConfig {
        CompressionConfig(
            gzip: gzip ?? base.gzip, level: level ?? base.level, minLength: minLength ?? base.minLength,
            types: types ?? base.types, location: location)
    }
}
