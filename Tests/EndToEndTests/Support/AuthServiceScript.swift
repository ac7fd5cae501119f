import Foundation

/// A real external-auth service in Python for the external-auth tests, deciding by the
/// Authorization field as oauth2-proxy or a token checker would, and remembering every
/// request it got (`/__seen`).
///
/// - `Bearer good`: 200 with `X-Auth-User: alice`, `X-Auth-Email`, a Set-Cookie.
/// - `Bearer good-user-only`: 200 with `X-Auth-User: bob` only.
/// - `Bearer forbidden`: 403. `Bearer moved`: 302 to itself (a redirect loop). `Bearer slow`:
///   answers after 5 s. `Bearer garbage`: bytes that are not HTTP.
/// - anything else: 401 with `WWW-Authenticate: Bearer realm="test"` and a Set-Cookie.
enum AuthServiceScript {
    static let source = #"""
import json, sys, time, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = []
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def answer(self, status, headers=(), body=b""):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    def handle_any(self):
        if self.path == "/__seen":
            with lock:
                body = json.dumps(seen).encode()
            return self.answer(200, [("Content-Type", "application/json")], body)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            seen.append({"method": self.command, "path": self.path, "headers": [[k, v] for k, v in self.headers.items()],
                         "body_length": len(body)})
        token = self.headers.get("Authorization", "")
        if token == "Bearer good":
            return self.answer(200, [("X-Auth-User", "alice"), ("X-Auth-Email", "alice@example.test"),
                                     ("Set-Cookie", "session=s1; Path=/"), ("Set-Cookie", "theme=dark; Path=/")])
        if token == "Bearer good-user-only":
            return self.answer(202, [("X-Auth-User", "bob")], b"accepted")
        if token == "Bearer forbidden":
            return self.answer(403, [], b"no")
        if token == "Bearer moved":
            return self.answer(302, [("Location", self.path)])
        if token == "Bearer slow":
            time.sleep(5)
            return self.answer(200, [])
        if token == "Bearer garbage":
            self.wfile.write(b"this is not http\r\n\r\n")
            self.close_connection = True
            return
        return self.answer(401, [("WWW-Authenticate", 'Bearer realm="test"'), ("Set-Cookie", "attempt=1; Path=/")], b"who are you")
    do_GET = do_POST = do_HEAD = do_PUT = handle_any

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
"""#
}

extension Scenario {
    /// Starts `AuthServiceScript`; returns its port.
    func authService() async throws -> Int {
        let script = try dir.write("auth-service.py", AuthServiceScript.source)
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-u", script],
                                     stdoutPath: dir.file("auth-service.out"), stderrPath: dir.file("auth-service.err"))
        track(child)
        guard let port = await child.announcedPort() else { throw HarnessError("auth service did not start: \(child.stderrTail())") }
        return port
    }

    /// What a recording service (auth service, error-page service) received so far:
    /// method, path, fields (lowercase names).
    func requestsSeen(port: Int) async throws -> [(method: String, path: String, headers: [String: String], bodyLength: Int)] {
        let list = try await HTTPClient.json(port: port, path: "/__seen") as? [[String: Any]] ?? []
        return list.map { entry in
            var headers: [String: String] = [:]
            for pair in entry["headers"] as? [[String]] ?? [] where pair.count == 2 { headers[pair[0].lowercased()] = pair[1] }
            return (entry["method"] as? String ?? "", entry["path"] as? String ?? "", headers, entry["body_length"] as? Int ?? -1)
        }
    }
}
