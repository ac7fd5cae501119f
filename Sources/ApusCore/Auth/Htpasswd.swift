/// The users of an htpasswd file (`name:hash` per line; `#` comments and blank lines
/// skipped). A line that cannot be used is reported and skipped, as nginx skips it: that
/// user cannot sign in, the others can. The first line for a name wins, as in nginx.
public enum Htpasswd {
    public struct Problem: Equatable, Sendable {
        public var line: Int
        public var message: String
    }

    public static func parse(_ text: String) -> (users: [String: PasswordHash], problems: [Problem]) {
        var users: [String: PasswordHash] = [:]
        var problems: [Problem] = []
        // "\r\n" is one Character in Swift: split on both spellings of a line end.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, line) in lines.enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                problems.append(Problem(line: index + 1, message: "is not 'user:hash'"))
                continue
            }
            let name = String(line[..<colon])
            // Only the hash field: a third field (htdigest's realm, comments some tools
            // append) is not part of it.
            let hash = String(line[line.index(after: colon)...].prefix { $0 != ":" })
            switch PasswordHash.parse(hash) {
            case .success(let parsed):
                if users[name] == nil { users[name] = parsed }
            case .failure(let problem):
                // The user's name is no secret; the hash is never quoted.
                problems.append(Problem(line: index + 1, message: "(user '\(name)') \(problem.explanation)"))
            }
        }
        return (users, problems)
    }
}
