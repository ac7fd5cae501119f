import ApusCore
import ApusHTTP

/// One request series as `/metrics` shows it: the route's labels (with `canary` empty
/// unless the canary answered), the method and the status.
struct RequestSeriesKey: Hashable {
    var route: RouteMetricLabels
    var method: MethodLabel
    var status: Int
}

/// The `method` label: one of the methods the parser names, `OTHER` for any other
/// token, empty for a request whose head did not parse. Never the request's own text, so
/// a client cannot add series.
struct MethodLabel: Hashable {
    /// `HTTPMethod.rawValue`, or `unknown`.
    var index: Int

    static let unknown = 15

    init(index: Int) { self.index = index }

    init(_ method: HTTPMethod) { index = Int(method.rawValue) }

    var text: String {
        guard index != Self.unknown, let method = HTTPMethod(rawValue: UInt8(truncatingIfNeeded: index)) else { return "" }
        switch method {
        case .get: return "GET"
        case .head: return "HEAD"
        case .post: return "POST"
        case .put: return "PUT"
        case .delete: return "DELETE"
        case .options: return "OPTIONS"
        case .patch: return "PATCH"
        case .connect: return "CONNECT"
        case .trace: return "TRACE"
        case .other: return "OTHER"
        }
    }
}

extension Dictionary where Key == RequestSeriesKey, Value == [UInt64] {
    /// Adds a series record's words (counters, buckets and sums) into the series of `key`.
    mutating func add<Record: Collection<UInt64>>(_ record: Record, to key: RequestSeriesKey) {
        guard self[key] != nil else {
            self[key] = Array(record)
            return
        }
        for (index, word) in zip(self[key]!.indices, record) { self[key]![index] &+= word }
    }
}
