import ApusHTTP

/// The metadata fields the translation uses; everything else (managedFields, the
/// last-applied-configuration annotation, owner references) is dropped at decode time.
public struct ObjectMeta: Equatable, Sendable {
    public var name: String
    /// Empty for cluster-scoped kinds.
    public var namespace: String
    public var uid: String
    public var resourceVersion: String
    public var generation: Int64
    /// Seconds since the epoch; nil in manifests that never went through an API server.
    public var creationTimestamp: Int64?
    /// Kept for the kinds whose annotations carry meaning (Ingress, IngressClass).
    public var annotations: [String: String]

    public init(
        name: String, namespace: String = "", uid: String = "", resourceVersion: String = "",
        generation: Int64 = 0, creationTimestamp: Int64? = nil, annotations: [String: String] = [:]
    ) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.generation = generation
        self.creationTimestamp = creationTimestamp
        self.annotations = annotations
    }

    public var key: ObjectKey { ObjectKey(namespace: namespace, name: name) }
}

/// A port given as a number or as the name of a port (`targetPort`, backend ports).
public enum IntOrString: Hashable, Sendable, CustomStringConvertible {
    case number(Int)
    case name(String)

    public var description: String {
        switch self {
        case .number(let value): return String(value)
        case .name(let value): return value
        }
    }
}

/// Reads RFC 3339 timestamps as the API server writes them (`2026-11-22T02:13:55Z`,
/// optionally with fractional seconds or a numeric offset).
enum Timestamp {
    static func seconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        }
        guard index < bytes.count else { return nil }
        var offset: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                  let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6) else { return nil }
            offset = (hours * 60 + minutes) * 60 * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        return Int64(CivilCalendar.daysSinceEpoch(year: Int(year), month: Int(month), day: Int(day))) * 86_400 + hour * 3600 + minute * 60 + second - offset
    }
}
