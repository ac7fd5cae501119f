import ApusCore
import Yams

/// Typed scalar readers. Scalars are taken by their text, whatever YAML would resolve them
/// to, so `index: 404.html` and `body: 200` are strings where a string is expected.
extension ConfigNodeReader {
    /// The text of `node` when it is a non-null scalar.
    mutating func string(_ node: Node, at context: String, hint: String = "") -> String? {
        guard case let .scalar(scalar) = node, !node.isNull else {
            wrongType(context, expected: "a string", found: node, hint: hint)
            return nil
        }
        return scalar.string
    }

    mutating func string(_ key: String, in fields: MappingFields, required: Bool = false, hint: String = "") -> String? {
        guard let node = presentValue(key, in: fields, expected: "a string", required: required) else { return nil }
        return string(node, at: fields.contextPath(key), hint: hint)
    }

    /// A whole number of at least `minimum` (counts in this schema are never negative) and
    /// at most `maximum`.
    mutating func integer(_ key: String, in fields: MappingFields, minimum: Int = 0, maximum: Int = .max) -> Int? {
        guard let node = presentValue(key, in: fields, expected: "an integer", required: false) else { return nil }
        guard case let .scalar(scalar) = node, let value = Int(scalar.string) else {
            wrongType(fields.contextPath(key), expected: "an integer", found: node)
            return nil
        }
        guard value >= minimum else {
            error("bad-value", "\(fields.contextPath(key)): expected an integer of at least \(minimum), found \(value)",
                  at: node)
            return nil
        }
        guard value <= maximum else {
            error("bad-value", "\(fields.contextPath(key)): expected an integer of at most \(maximum), found \(value)",
                  at: node)
            return nil
        }
        return value
    }

    /// `true` or `false` (YAML 1.2 core spellings only, so `yes`/`on` are not booleans).
    mutating func boolean(_ key: String, in fields: MappingFields) -> Bool? {
        guard let node = presentValue(key, in: fields, expected: "true or false", required: false),
              let text = string(node, at: fields.contextPath(key))
        else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            error("bad-value", "\(fields.contextPath(key)): expected true or false, found '\(text)'", at: node)
            return nil
        }
    }

    /// Milliseconds; see `ConfigQuantity.durationMilliseconds` for the notation.
    mutating func duration(_ key: String, in fields: MappingFields) -> Int? {
        guard let node = presentValue(key, in: fields, expected: "a duration", required: false),
              let text = string(node, at: fields.contextPath(key))
        else { return nil }
        guard let value = ConfigQuantity.durationMilliseconds(text) else {
            error("bad-duration", "\(fields.contextPath(key)): '\(text)' is not a duration "
                + "(use 250ms, 5s, 2m, 1h, or an integer number of seconds)", at: node)
            return nil
        }
        return value
    }

    /// Bytes; see `ConfigQuantity.sizeBytes` for the notation.
    mutating func size(_ key: String, in fields: MappingFields) -> Int64? {
        guard let node = presentValue(key, in: fields, expected: "a size", required: false),
              let text = string(node, at: fields.contextPath(key))
        else { return nil }
        guard let value = ConfigQuantity.sizeBytes(text) else {
            error("bad-size", "\(fields.contextPath(key)): '\(text)' is not a size "
                + "(use a number of bytes, optionally with a k, m or g suffix)", at: node)
            return nil
        }
        return value
    }

    /// One of a fixed set of words, mapped through `T(rawValue:)`.
    mutating func choice<T: RawRepresentable>(
        _ key: String, in fields: MappingFields, options: [String], as type: T.Type
    ) -> T? where T.RawValue == String {
        guard let node = presentValue(key, in: fields, expected: "a string", required: false),
              let word = string(node, at: fields.contextPath(key))
        else { return nil }
        guard options.contains(word), let value = T(rawValue: word) else {
            var message = "\(fields.contextPath(key)): '\(word)' is not one of \(options.joined(separator: ", "))"
            if let suggestion = KeySuggestion.closest(to: word, among: options) {
                message += "; did you mean '\(suggestion)'?"
            }
            error("bad-value", message, at: node)
            return nil
        }
        return value
    }
}
