import Foundation

/// Minimal one-request-per-connection HTTP/1.1 client over `RawConnection`, for admin endpoints,
/// backend stats and simple proxied requests where curl would only add process start-up time.
enum HTTPClient {
    /// Sends one request with `Connection: close` and returns the response; throws on connect
    /// failure or when no complete response arrives within `timeout`.
    static func request(port: Int, method: String = "GET", path: String, host: String? = nil,
                        headers: [(String, String)] = [], body: [UInt8] = [],
                        timeout: Duration = .seconds(5)) async throws -> HTTPResponse {
        let connection = try await RawConnection.connect(port: port)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try await connection.send(Array(head.utf8) + body)
        guard let response = try await connection.readResponse(method: method, timeout: timeout) else {
            throw HarnessError("no complete response to \(method) \(path) on port \(port) within \(timeout)")
        }
        return response
    }

    /// GET `path` and decode the JSON body.
    static func json(port: Int, path: String, host: String? = nil) async throws -> Any {
        let response = try await request(port: port, path: path, host: host)
        return try JSONSerialization.jsonObject(with: Data(response.body))
    }
}

/// The `/echo` answer of `PythonBackend`: what the upstream actually received.
struct EchoReply: Sendable {
    var backend: String
    var method: String
    var path: String
    var headers: [(name: String, value: String)]
    var bodyLength: Int
    var bodySHA256: String

    init(_ body: [UInt8]) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let backend = object["backend"] as? String, let method = object["method"] as? String,
              let path = object["path"] as? String, let headers = object["headers"] as? [[String]],
              let length = object["body_length"] as? Int, let sha = object["body_sha256"] as? String
        else { throw HarnessError("not an /echo reply: \(String(decoding: body.prefix(300), as: UTF8.self))") }
        self.backend = backend
        self.method = method
        self.path = path
        self.headers = headers.map { ($0[0], $0[1]) }
        self.bodyLength = length
        self.bodySHA256 = sha
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }
}
