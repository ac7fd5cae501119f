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
class Handler(Recording):
    def handle_any(self):
        if self.record():
            return
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
"""#
}

extension Scenario {
    /// Starts `AuthServiceScript`; returns its port.
    func authService() async throws -> Int {
        try await recordingService("auth-service", source: AuthServiceScript.source)
    }
}
