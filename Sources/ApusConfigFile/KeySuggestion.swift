/// Finds the allowed key a misspelt one was probably meant to be.
///
/// Uses Levenshtein distance on Unicode scalars; a suggestion is offered only within
/// distance 2, beyond which guesses are more confusing than helpful.
enum KeySuggestion {
    static let maximumDistance = 2

    /// The allowed key closest to `key`, when one is within `maximumDistance` (first wins a tie).
    static func closest(to key: String, among allowed: [String]) -> String? {
        var best: (key: String, distance: Int)?
        for candidate in allowed {
            let distance = editDistance(key, candidate)
            if distance <= maximumDistance, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.key
    }

    /// Insertions, deletions and substitutions needed to turn `a` into `b`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let source = Array(a.unicodeScalars)
        let target = Array(b.unicodeScalars)
        if source.isEmpty { return target.count }
        if target.isEmpty { return source.count }
        // Two rolling rows of the classic table keep this O(len(b)) in memory.
        var previous = Array(0...target.count)
        var current = Array(repeating: 0, count: target.count + 1)
        for i in 1...source.count {
            current[0] = i
            for j in 1...target.count {
                let substitution = previous[j - 1] + (source[i - 1] == target[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[target.count]
    }
}
