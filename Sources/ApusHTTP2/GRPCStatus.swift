/// The gRPC status codes Apus gives when it cannot complete a call itself, and the
/// trailers-only response that carries one (a gRPC client reads `grpc-status`, not an
/// HTML error page).
public enum GRPCStatus: Int, Sendable {
    case ok = 0
    case cancelled = 1
    case unknown = 2
    case deadlineExceeded = 4
    case permissionDenied = 7
    case resourceExhausted = 8
    case unimplemented = 12
    case `internal` = 13
    case unavailable = 14
    case unauthenticated = 16

    /// The status for an answer Apus would have given over HTTP: gRPC's own mapping of
    /// HTTP statuses, except that an upstream that did not answer in time (the call's
    /// `grpc-timeout` or the upstream's timeout) is DEADLINE_EXCEEDED, as a gRPC client
    /// calling the service directly would see it.
    public static func forProxyAnswer(httpStatus: Int, timedOut: Bool) -> GRPCStatus {
        if timedOut { return .deadlineExceeded }
        switch httpStatus {
        case 400: return .internal
        case 401: return .unauthenticated
        case 403: return .permissionDenied
        case 404: return .unimplemented
        case 429, 502, 503, 504: return .unavailable
        default: return .unknown
        }
    }

    /// The fields of a trailers-only response (sent after `:status: 200` with END_STREAM):
    /// the content type, the status and, when given, the message percent-encoded as gRPC
    /// requires (bytes outside printable ASCII, and `%`).
    public func trailersOnlyFields(message: String?) -> [HTTP2Field] {
        var fields = [HTTP2Field("content-type", "application/grpc"), HTTP2Field("grpc-status", String(rawValue))]
        if let message, !message.isEmpty {
            var encoded: [UInt8] = []
            let hex = Array("0123456789ABCDEF".utf8)
            for byte in message.utf8 {
                if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
                    encoded.append(byte)
                } else {
                    encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
                }
            }
            fields.append(HTTP2Field(name: Array("grpc-message".utf8), value: encoded))
        }
        return fields
    }
}
