import Foundation

/// An error-page service in Python, written after ingress-nginx's custom-error-pages
/// example: it answers with the status `X-Code` names (404 without one), an HTML or JSON
/// page as `X-Format` asks, `X-Backend: errors`, and remembers every request it got
/// (`/__seen`, read with `Scenario.requestsSeen`).
enum ErrorPageServiceScript {
    static let source = #"""
class Handler(Recording):
    def handle_any(self):
        if self.record():
            return
        code = int(self.headers.get("X-Code") or 404)
        if "application/json" in (self.headers.get("X-Format") or ""):
            page, kind = json.dumps({"error": code}).encode(), "application/json"
        else:
            page, kind = ("<p>error %d</p>" % code).encode(), "text/html"
        self.answer(code, [("Content-Type", kind), ("X-Backend", "errors")], page)
    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = handle_any
"""#
}

extension Scenario {
    /// Starts `ErrorPageServiceScript`; returns its port.
    func errorPageService() async throws -> Int {
        try await recordingService("error-pages", source: ErrorPageServiceScript.source)
    }
}
