import Foundation

/// What the Python services that remember their requests share (the external-auth service,
/// the error-page service): a handler base whose `record` answers `/__seen` or remembers
/// the request, and the server that announces its port. A service's source is
/// `RecordingService.prelude`, its `Handler(Recording)` class, then `RecordingService.serve`.
enum RecordingService {
    static let prelude = #"""
import json, sys, time, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = []
lock = threading.Lock()

class Recording(BaseHTTPRequestHandler):
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
    def record(self):
        """Answers /__seen and returns True; otherwise reads the body and remembers the request."""
        if self.path == "/__seen":
            with lock:
                body = json.dumps(seen).encode()
            self.answer(200, [("Content-Type", "application/json")], body)
            return True
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            seen.append({"method": self.command, "path": self.path, "headers": [[k, v] for k, v in self.headers.items()],
                         "body_length": len(body)})
        return False

"""#

    static let serve = #"""

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
"""#
}

extension Scenario {
    /// Writes `source` as NAME.py, runs it, and returns the port it announced.
    func recordingService(_ name: String, source: String) async throws -> Int {
        let script = try dir.write("\(name).py", RecordingService.prelude + source + RecordingService.serve)
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-u", script],
                                     stdoutPath: dir.file("\(name).out"), stderrPath: dir.file("\(name).err"))
        track(child)
        guard let port = await child.announcedPort() else { throw HarnessError("\(name) did not start: \(child.stderrTail())") }
        return port
    }

    /// What a recording service received so far: method, path, fields (lowercase names).
    func requestsSeen(port: Int) async throws -> [(method: String, path: String, headers: [String: String], bodyLength: Int)] {
        let list = try await HTTPClient.json(port: port, path: "/__seen") as? [[String: Any]] ?? []
        return list.map { entry in
            var headers: [String: String] = [:]
            for pair in entry["headers"] as? [[String]] ?? [] where pair.count == 2 { headers[pair[0].lowercased()] = pair[1] }
            return (entry["method"] as? String ?? "", entry["path"] as? String ?? "", headers, entry["body_length"] as? Int ?? -1)
        }
    }
}
