import Yams

/// How large a composed YAML tree is once its aliases and merge keys are followed: the
/// size the reader walks. Yams shares an anchored node among its aliases, so a file of a
/// few hundred bytes can stand for billions of nodes (`a: &a [x, x]`, `b: &b [*a, *a]`, ...),
/// and merge keys nested the same way made reading take time exponential in their depth.
enum YAMLExpansion {
    /// Far above any real configuration (a thousand upstreams with every option set are
    /// under 50,000 nodes), and walked in well under a second.
    static let maximumNodes = 1_000_000

    /// Whether walking `root` visits more than `limit` nodes; the walk stops there.
    static func exceeds(_ root: Node, limit: Int = maximumNodes) -> Bool {
        var remaining = limit
        var pending: [Node] = [root]
        while let node = pending.popLast() {
            remaining -= 1
            if remaining < 0 { return true }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    pending.append(key)
                    pending.append(value)
                }
            case .sequence(let sequence):
                pending.append(contentsOf: sequence)
            case .scalar, .alias:
                break
            }
        }
        return false
    }
}
