import CPCRE2

/// Per-worker scratch for regex matching: one PCRE2 match data and match context, and
/// the captures of the request's regex match for later rewriting.
///
/// Thread rule: owned by one worker thread and never shared (not `Sendable`). It is
/// independent of any `RouteTable`, so it survives table swaps; the match data grows
/// (rarely, allocating once) when a new table brings a pattern with more groups.
public final class MatchScratch {
    // One owner thread by contract, so the dynamic exclusivity checks Swift would run on
    // every access (about 40% of a request's instructions in SWIFT-NOTES.md §5) buy nothing.
    @exclusivity(unchecked) private var matchData: OpaquePointer
    @exclusivity(unchecked) private var pairCapacity: Int
    private let context: OpaquePointer?
    /// Pairs valid in the ovector after the last `match`; 0 when the route was not a regex.
    @exclusivity(unchecked) private var capturedPairs = 0

    /// Backtracking cap per match, well above what a path of a few KiB needs with a sane
    /// pattern, far below PCRE2's default of 10 million, so a pathological pattern costs
    /// a worker milliseconds, not seconds.
    static let matchLimit: UInt32 = 1_000_000

    public init() {
        pairCapacity = 16
        matchData = pcre2_match_data_create_8(UInt32(16), nil)!
        context = pcre2_match_context_create_8(nil)
        if let context { pcre2_set_match_limit_8(context, MatchScratch.matchLimit) }
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        if let context { pcre2_match_context_free_8(context) }
    }

    /// Forgets the previous request's captures.
    @inline(__always)
    func reset() { capturedPairs = 0 }

    /// Runs `pattern` on `path`, keeping its captures on success.
    func matches(_ pattern: CompiledPattern, _ path: UnsafeRawBufferPointer) -> Bool {
        if pattern.captureCount + 1 > pairCapacity { grow(to: pattern.captureCount + 1) }
        guard pattern.matches(path, matchData: matchData, context: context) else { return false }
        capturedPairs = min(pattern.captureCount + 1, pairCapacity)
        return true
    }

    /// Byte range of capture group `i` (0 = the whole match) in the path given to the
    /// last `RouteTable.match`, or nil when that group did not participate, does not
    /// exist, or the matched route was not a regex.
    public func capture(_ i: Int) -> Range<Int>? {
        guard i >= 0, i < capturedPairs else { return nil }
        let ovector = pcre2_get_ovector_pointer_8(matchData)!
        let start = ovector[2 * i]
        let end = ovector[2 * i + 1]
        if start < 0 || end < start { return nil }  // PCRE2_UNSET is ~0, which size_t → Int makes -1
        return Int(start)..<Int(end)
    }

    private func grow(to pairs: Int) {
        pcre2_match_data_free_8(matchData)
        pairCapacity = max(pairs, pairCapacity * 2)
        matchData = pcre2_match_data_create_8(UInt32(pairCapacity), nil)!
    }
}
