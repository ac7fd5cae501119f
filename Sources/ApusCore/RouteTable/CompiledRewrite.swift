/// The path a rewriting rule sends upstream, compiled from a template such as
/// `/api/$2`: literal bytes, and references to the capture groups of the rule's regex.
///
/// The request path the route matched is normalized (percent-decoded), so captured bytes
/// are percent-encoded again where the path grammar (RFC 3986 `pchar`) needs it; literal
/// parts were checked at compile time and are copied as written. The result always starts
/// with `/`, and the request's query (`?...`) follows it unchanged.
///
/// Thread rule: immutable, shared by every worker; `write` uses the caller's scratch.
public final class CompiledRewrite: Sendable {
    /// As configured, for `/routes`.
    public let template: String
    private let literal: [UInt8]
    private let pieces: [Piece]

    enum Piece: Sendable {
        /// Bytes of `literal`.
        case text(Range<Int>)
        /// A capture group (0 = the whole match).
        case group(Int)
    }

    /// Why a template cannot be used.
    public struct Problem: Error, Equatable {
        public var explanation: String
    }

    /// - Parameter captureCount: groups of the rule's regex; nil for Exact and Prefix rules,
    ///   which have no match to refer to (not even `$0`).
    public init(template: String, captureCount: Int?) throws(Problem) {
        let bytes = Array(template.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "$") else {
            throw Problem(explanation: "must start with '/' (or with a capture group such as $1)")
        }
        var literal: [UInt8] = []
        var pieces: [Piece] = []
        var index = 0
        func flush(_ start: Int) {
            if literal.count > start { pieces.append(.text(start..<literal.count)) }
        }
        var textStart = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "$") {
                guard index + 1 < bytes.count, let digit = Self.digit(bytes[index + 1]) else {
                    throw Problem(explanation: "'$' must be followed by a group number 0-9 (write a literal '$' as %24)")
                }
                guard let captureCount else {
                    throw Problem(explanation: "refers to $\(digit), but only a Regex rule has capture groups")
                }
                guard digit <= captureCount else {
                    throw Problem(explanation: "refers to $\(digit), but the regex has \(captureCount) capture group(s)")
                }
                flush(textStart)
                pieces.append(.group(digit))
                index += 2
                textStart = literal.count
                continue
            }
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, Self.isHex(bytes[index + 1]), Self.isHex(bytes[index + 2]) else {
                    throw Problem(explanation: "'%' must start an escape of two hex digits")
                }
                literal += bytes[index...(index + 2)]
                index += 3
                continue
            }
            guard Self.isPathByte(byte) else {
                let shown = byte < 0x80 && byte > 0x20 ? "'\(Character(UnicodeScalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
                throw Problem(explanation: "\(shown) cannot appear in a path (percent-encode it; the query is always kept from the request)")
            }
            literal.append(byte)
            index += 1
        }
        flush(textStart)
        self.template = template
        self.literal = literal
        self.pieces = pieces
    }

    /// Appends the rewritten target to `out`: the path from the template and the captures
    /// of the last match in `scratch` (ranges into `path`), then `query` (with its `?`).
    /// Allocates only when `out` lacks capacity (the worker keeps one buffer).
    public func write(path: UnsafeRawBufferPointer, scratch: MatchScratch, query: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let start = out.count
        for piece in pieces {
            switch piece {
            case .text(let range):
                out.append(contentsOf: literal[range])
            case .group(let group):
                guard let range = scratch.capture(group) else { continue }  // a group that did not take part is empty
                for byte in path[range] {
                    if Self.isPathByte(byte) {
                        out.append(byte)
                    } else {
                        out.append(UInt8(ascii: "%"))
                        out.append(Self.hexDigit(byte >> 4))
                        out.append(Self.hexDigit(byte & 15))
                    }
                }
            }
        }
        // `$1` with `(.*)` may capture "" or "x/y": the target must still be origin-form.
        if out.count == start || out[start] != UInt8(ascii: "/") { out.insert(UInt8(ascii: "/"), at: start) }
        out.append(contentsOf: query)
    }

    /// RFC 3986 `pchar` and `/`, without `%` (escapes are handled apart).
    @inline(__always)
    static func isPathByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),  // unreserved
             UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="),  // sub-delims
             UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    /// Computed, not looked up: a global table costs a lazy-initialisation check per use.
    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") - 10 + nibble
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        digit(byte) != nil || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }
}
