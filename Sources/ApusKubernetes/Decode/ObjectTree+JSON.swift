import Foundation

extension ObjectTree {
    /// Parses one JSON document (an API response body or a watch event line).
    public static func parseJSON(_ bytes: [UInt8]) throws(ObjectDecodingError) -> ObjectTree {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw ObjectDecodingError(object: nil, field: "", problem: "is not valid JSON (\(error.localizedDescription))")
        }
        return tree(of: value)
    }

    private static func tree(of value: Any) -> ObjectTree {
        switch value {
        case let text as String:
            return .scalar(text, isString: true)
        case let number as NSNumber:
            // Foundation hands JSON booleans over as NSNumber too; only their objCType
            // ("c") tells `true` from `1`.
            if String(cString: number.objCType) == "c" { return .scalar(number.boolValue ? "true" : "false", isString: false) }
            if let exact = Int64(exactly: number.doubleValue), !"fd".contains(String(cString: number.objCType)) {
                return .scalar(String(exact), isString: false)
            }
            return .scalar(number.stringValue, isString: false)
        case let list as [Any]:
            return .list(list.map(tree(of:)))
        case let map as [String: Any]:
            var fields: [String: ObjectTree] = [:]
            fields.reserveCapacity(map.count)
            for (key, item) in map { fields[key] = tree(of: item) }
            return .map(fields)
        default:
            return .null
        }
    }
}
