/// Builds JSON text by hand for `/routes` and `apus validate --format json`.
///
/// Control plane only (allocates freely). Keys are written in call order, so output is
/// stable and diffable.
public struct JSONWriter {
    public private(set) var text = ""

    public init() {}
    /// Whether the current container already holds a value (a comma goes before the next).
    private var hasValue: [Bool] = [false]

    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        open("{"); body(&self); close("}")
    }

    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        open("["); body(&self); close("]")
    }

    public mutating func key(_ name: String) {
        separate()
        Self.appendString(name, to: &text)
        text += ":"
        hasValue[hasValue.count - 1] = false  // the value that follows needs no comma
    }

    public mutating func string(_ value: String) { separate(); Self.appendString(value, to: &text) }
    public mutating func int<T: BinaryInteger>(_ value: T) { separate(); text += String(value) }
    public mutating func bool(_ value: Bool) { separate(); text += value ? "true" : "false" }
    public mutating func null() { separate(); text += "null" }
    public mutating func string(_ value: String?) { if let value { string(value) } else { null() } }

    public mutating func field(_ name: String, _ value: String?) { key(name); string(value) }
    public mutating func field<T: BinaryInteger>(_ name: String, _ value: T) { key(name); int(value) }
    public mutating func field(_ name: String, _ value: Bool) { key(name); bool(value) }

    private mutating func open(_ bracket: String) {
        separate()
        text += bracket
        hasValue.append(false)
    }

    private mutating func close(_ bracket: String) {
        hasValue.removeLast()
        text += bracket
    }

    private mutating func separate() {
        if hasValue[hasValue.count - 1] { text += "," }
        hasValue[hasValue.count - 1] = true
    }

    /// `value` as a JSON string literal, for bodies assembled by hand.
    public static func quoted(_ value: String) -> String {
        var text = ""
        appendString(value, to: &text)
        return text
    }

    /// RFC 8259 string: quotes, backslash and control characters escaped; everything
    /// else, including non-ASCII, passes through as UTF-8.
    public static func appendString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16, uppercase: false)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
