import Foundation

/// An error-page service in Python, written after ingress-nginx's custom-error-pages
/// example: it answers with the status `X-Code` names (404 without one), an HTML or JSON
/// page as `X-Format` asks, `X-Backend: errors`, and remembers every request it got
/// (`/__seen`, read with `Scenario.requestsSeen`).
enum ErrorPageServiceScript {
    static let source = #"""
import json, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = []
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def handle_any(self):
        if self.path == "/__seen":
            with lock:
                body = json.dumps(seen).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            seen.append({"method": self.command, "path": self.path, "headers": [[k, v] for k, v in self.headers.items()],
                         "body_length": len(body)})
        code = int(self.headers.get("X-Code") or 404)
        if "application/json" in (self.headers.get("X-Format") or ""):
            page, kind = json.dumps({"error": code}).encode(), "application/json"
        else:
            page, kind = ("<p>error %d</p>" % code).encode(), "text/html"
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("X-Backend", "errors")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(page)
    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = handle_any

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
"""#
}

extension Scenario {
    /// Starts `ErrorPageServiceScript`; returns its port.
    func errorPageService() async throws -> Int {
        let script = try dir.write("error-pages.py", ErrorPageServiceScript.source)
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-u", script],
                                     stdoutPath: dir.file("error-pages.out"), stderrPath: dir.file("error-pages.err"))
        track(child)
        guard let port = await child.announcedPort() else { throw HarnessError("error-page service did not start: \(child.stderrTail())") }
        return port
    }
}
