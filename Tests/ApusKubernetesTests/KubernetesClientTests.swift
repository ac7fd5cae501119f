import ApusNet
import Foundation
import Glibc
import Testing
@testable import ApusKubernetes

/// The client against the captured bytes of a real API server, replayed by a one-shot loopback
/// server (headers + body exactly as captured; HTTP/2 heads rewritten to HTTP/1.1).
@Suite struct KubernetesClientTests {
    static let samples = "/work/shared/kubernetes/samples"

    /// Serves `answer` to the first connection after reading its request head, then closes;
    /// returns the port and a way to get the request the client sent.
    static func replay(_ answer: [UInt8]) throws -> (port: Int, request: @Sendable () -> String) {
        let listener = try Sockets.listen(SocketAddress(host: "127.0.0.1", port: 0)!, reusePort: false)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let box = ReceivedBox()
        _ = spawnThread {
            var peer = sockaddr_storage()
            var fd: Int32 = -1
            while fd < 0 {
                fd = Sockets.accept(listener, peer: &peer)
                if fd < 0 { usleep(1000) }
            }
            var flags = fcntl(fd, F_GETFL)
            flags &= ~O_NONBLOCK
            _ = fcntl(fd, F_SETFL, flags)
            var request: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !request.isEmpty ? !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") : true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                request += buffer[0..<n]
            }
            box.set(String(decoding: request, as: UTF8.self))
            _ = answer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(fd)
            close(listener)
        }
        return (Int(UInt16(bigEndian: address.sin_port)), { box.get() })
    }

    final class ReceivedBox: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func set(_ value: String) { lock.lock(); text = value; lock.unlock() }
        func get() -> String { lock.lock(); defer { lock.unlock() }; return text }
    }

    /// `name.headers` as HTTP/1.1 (CRLF, `HTTP/1.1 403 Forbidden` for the HTTP/2 status line).
    static func head(_ name: String) throws -> [UInt8] {
        // The files have CRLF line ends, which Swift reads as one Character.
        var lines = try String(contentsOfFile: "\(samples)/\(name).headers", encoding: .utf8)
            .replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        while lines.last == "" { lines.removeLast() }
        if lines[0].hasPrefix("HTTP/2 ") {
            let code = lines[0].dropFirst(7).trimmingCharacters(in: .whitespaces)
            lines[0] = "HTTP/1.1 \(code) \(["200": "OK", "401": "Unauthorized", "403": "Forbidden", "404": "Not Found", "410": "Gone"][code] ?? "X")"
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    static func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: "\(samples)/\(file)")))
    }

    static func client(port: Int, token: String? = nil) throws -> KubernetesClient {
        var config = KubernetesClientConfig(scheme: .http, host: "127.0.0.1", port: port, origin: "test")
        config.token = token.map { .fixed($0) }
        return try KubernetesClient(config: config, requestTimeoutMilliseconds: 5_000, watchIdleTimeoutMilliseconds: 5_000)
    }

    @Test func watchStreamOfARealServerGivesEveryEvent() throws {
        let (port, request) = try Self.replay(try Self.head("watch-ingresses") + Self.bytes("watch-ingresses.raw"))
        var events: [WatchEvent] = []
        try Self.client(port: port, token: "secret").watch("/apis/networking.k8s.io/v1/ingresses?watch=1&resourceVersion=219") { events.append($0); return true }
        #expect(events.map(\.type) == ["MODIFIED", "MODIFIED", "MODIFIED", "MODIFIED", "ADDED", "DELETED", "BOOKMARK"])
        #expect(events.last?.resourceVersion == "227")
        #expect(request().contains("GET /apis/networking.k8s.io/v1/ingresses?watch=1&resourceVersion=219 HTTP/1.1\r\n"))
        #expect(request().contains("Authorization: Bearer secret\r\n"))
    }

    @Test func watchErrorEventOf410IsAnEvent() throws {
        let (port, _) = try Self.replay(try Self.head("watch-410-rv1-after-restart") + Self.bytes("watch-410-rv1-after-restart.raw"))
        var events: [WatchEvent] = []
        try Self.client(port: port).watch("/apis/networking.k8s.io/v1/ingresses?watch=1&resourceVersion=1") { events.append($0); return true }
        #expect(events.count == 1 && events[0].type == "ERROR")
        #expect(events[0].object["code"] == .scalar("410", isString: false))
    }

    @Test func idleWatchEndsCleanly() throws {
        let (port, _) = try Self.replay(try Self.head("watch-ingresses-idle-5s") + Self.bytes("watch-ingresses-idle-5s.raw"))
        var count = 0
        try Self.client(port: port).watch("/apis/networking.k8s.io/v1/ingresses?watch=1&resourceVersion=219") { _ in count += 1; return true }
        #expect(count == 0)
    }

    @Test func listAnswerIsReturnedWhole() throws {
        let (port, _) = try Self.replay(try Self.head("list-ingresses") + Self.bytes("list-ingresses.json"))
        let response = try Self.client(port: port).send("GET", "/apis/networking.k8s.io/v1/ingresses")
        #expect(response.status == 200 && response.body.count == 2831)
        let (items, version) = try ObjectDecoder.decodeList(try response.tree())
        #expect(items.count == 1 && version == "219")
    }

    /// 403 names verb, resource, group and scope; the captured message parses.
    @Test func forbiddenNamesTheRule() throws {
        let (port, _) = try Self.replay(try Self.head("forbidden-list-pods") + Self.bytes("forbidden-list-pods.json"))
        #expect {
            _ = try Self.client(port: port).send("GET", "/api/v1/pods")
        } throws: { error in
            guard case .forbidden(let denial)? = error as? KubernetesError else { return false }
            return denial.verb == "list" && denial.resource == "pods" && denial.group == "" && denial.namespace == nil
                && denial.user == "system:serviceaccount:apus-system:apus"
                && "\(error)".contains(#"apiGroups: [""], resources: ["pods"], verbs: ["list"]"#)
        }
        let namespaced = StatusAnswer.forbidden(message: try String(contentsOfFile: "\(Self.samples)/forbidden-delete-namespace.json", encoding: .utf8)
            .components(separatedBy: "\"message\": \"")[1].components(separatedBy: "\",\n")[0].replacingOccurrences(of: "\\\"", with: "\""),
            method: "DELETE", path: "/api/v1/namespaces/demo")
        #expect(namespaced.verb == "delete" && namespaced.resource == "namespaces" && namespaced.namespace == "demo")
        // Without a parsable message the request itself names the rule.
        let fallback = StatusAnswer.forbidden(message: "", method: "GET", path: "/apis/discovery.k8s.io/v1/namespaces/demo/endpointslices?watch=1&x=y")
        #expect(fallback.verb == "watch" && fallback.resource == "endpointslices" && fallback.group == "discovery.k8s.io" && fallback.namespace == "demo")
    }

    @Test func unauthorizedAndGoneAreTyped() throws {
        let (port, _) = try Self.replay(try Self.head("unauthorized") + Self.bytes("unauthorized.json"))
        #expect(throws: KubernetesError.unauthorized(server: "127.0.0.1:\(port)", message: "Unauthorized")) {
            _ = try Self.client(port: port, token: "wrong").send("GET", "/api/v1/services")
        }
        let (gonePort, _) = try Self.replay(try Self.head("list-410-exact-compacted-rv") + Self.bytes("list-410-exact-compacted-rv.json"))
        let gone = try Self.client(port: gonePort).send("GET", "/apis/networking.k8s.io/v1/ingresses?resourceVersion=2&resourceVersionMatch=Exact")
        #expect(gone.status == 410)
        #expect(StatusAnswer.error(status: gone.status, body: gone.body, method: "GET", path: "/x", server: "s") == .expired(message: "The resourceVersion for the provided list is too old."))
    }

    @Test func unreachableAndMalformedSayWhat() throws {
        let port = try Self.replay(Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n".utf8)).port
        #expect {
            _ = try Self.client(port: port).send("GET", "/api/v1/services")
        } throws: { error in
            "\(error)".contains("was lost: closed in the middle of the answer")
        }
        let garbage = try Self.replay(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8)).port
        #expect { _ = try Self.client(port: garbage).send("GET", "/") } throws: { "\($0)".contains("malformed answer") }
        // A port nobody listens on (just closed).
        let closed = try Sockets.listen(SocketAddress(host: "127.0.0.1", port: 0)!, reusePort: false)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(closed, $0, &length) } }
        close(closed)
        let deadPort = Int(UInt16(bigEndian: address.sin_port))
        #expect(throws: KubernetesError.unreachable(server: "127.0.0.1:\(deadPort)", reason: "Connection refused")) {
            _ = try Self.client(port: deadPort).send("GET", "/")
        }
    }
}
