import Foundation
import Testing

/// `basic_auth` on a route: real clients (curl `-u`, raw heads) against an htpasswd file
/// with every kind of hash; verdicts remembered per credential; the file watched; no
/// credential in any log.
@Suite struct BasicAuthTests {
    static let htpasswd = """
    # bcrypt (htpasswd -B), APR1 (htpasswd's old default), SHA-crypt, {SHA}
    alice:$2y$05$0VjcntZqvaEeZ0TFQL3Qreg/W1hlvJiHrM908dhgI2.fN/qaCca/S
    bob:$apr1$rP8Xc0Ue$fwBJI2YnUtEnPOMUNnua1.
    carol:$6$abcdefgh$86JQsu66XRhBIE.0uFgbn45x0HK7Qvobn1BS1SjvDeQ9EqnAKIqORDUVL9wwCUyhQjkf/CRrOYN1Pct/aiwqI1
    dave:{SHA}NSIKr+5ZMMKFCatHd+QmGlIwagA=
    broken line without a colon
    """

    @Test(.timeLimit(.endToEnd(3))) func usersFromAnHtpasswdFile() async throws {
        try await withScenario { s in
            let backend = try await s.backend("app")
            let port = try s.port()
            let admin = try s.port()
            _ = try s.dir.write("users.htpasswd", Self.htpasswd)
            let apus = try await s.apus("""
            workers: 1
            admin: { listen: 127.0.0.1:\(admin) }
            listeners: [{ listen: 127.0.0.1:\(port) }]
            routes:
              - basic_auth: { realm: "Staff \\"only\\"", htpasswd: users.htpasswd }
                paths:
                  - { path: /, upstream: app }
                  - { path: /public, upstream: app, basic_auth: false }
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            access_log: { format: json, path: access.log }
            """, waitFor: [port])

            let anonymous = try await s.curl(["http://127.0.0.1:\(port)/echo"])
            #expect(anonymous.status == 401)
            #expect(anonymous.headers.first { $0.name.lowercased() == "www-authenticate" }?.value == #"Basic realm="Staff \"only\"""#)
            for (user, password) in [("alice", "secret5"), ("bob", "secret1"), ("carol", "secret3"), ("dave", "secret6")] {
                let admitted = try await s.curl(["-u", "\(user):\(password)", "http://127.0.0.1:\(port)/echo"])
                #expect(admitted.status == 200, "\(user)")
                let wrong = try await s.curl(["-u", "\(user):\(password)x", "http://127.0.0.1:\(port)/echo"])
                #expect(wrong.status == 401, "\(user)")
            }
            #expect(try await s.curl(["-u", "mallory:secret5", "http://127.0.0.1:\(port)/echo"]).status == 401)
            #expect(try await s.curl(["http://127.0.0.1:\(port)/public/echo"]).status == 200)

            // Hostile Authorization fields: a clear 401 each, and the process lives on.
            let hostile = ["Basic", "Basic !!!!", "Basic YWxpY2U=", "Bearer abc", "Basic " + String(repeating: "QUFB", count: 2000),
                           "Basic " + Data("alice:secret5\u{0}".utf8).base64EncodedString()]
            for value in hostile {
                let response = try await HTTPClient.request(port: port, path: "/echo", headers: [("Authorization", value)])
                #expect(response.status == 401, "\(value.prefix(20))")
            }

            // One check per credential: 30 more requests as alice cost no hash.
            // Counters reach /metrics on the worker's next flush.
            try await Task.sleep(for: .seconds(1.5))
            let before = try await Probe.metric(adminPort: admin, "apus_basic_auth_checks_total ")
            // Each user's right and wrong password above was one check.
            #expect((before ?? 0) >= 8, "\(String(describing: before))")
            for _ in 0..<30 {
                #expect(try await HTTPClient.request(port: port, path: "/echo", headers: [("Authorization", "Basic YWxpY2U6c2VjcmV0NQ==")]).status == 200)
            }
            try await Task.sleep(for: .seconds(1.5))
            #expect(try await Probe.metric(adminPort: admin, "apus_basic_auth_checks_total ") == before)

            // A new file: the old password stops working, the new one works, without a SIGHUP.
            let newHash = "alice:$5$abcdefgh$wWSyPlKTzFUHfIwkmGM/hIlQGeKknJQ5dNUaz3L1J91\n"
            _ = try s.dir.write("users.htpasswd.new", newHash)
            #expect(rename(s.dir.file("users.htpasswd.new"), s.dir.file("users.htpasswd")) == 0)
            let switched = await eventually(timeout: .seconds(10)) {
                (try? await s.curl(["-u", "alice:secret2", "http://127.0.0.1:\(port)/echo"]).status) == 200
            }
            #expect(switched)
            #expect(try await s.curl(["-u", "alice:secret5", "http://127.0.0.1:\(port)/echo"]).status == 401)

            // No password, token or hash in the access log or on stderr; the broken line is
            // reported by its line number.
            let logs = s.dir.read("access.log") + apus.stderrTail()
            for secret in ["secret5", "secret1", "YWxpY2U6c2VjcmV0NQ", "0VjcntZqvaEe", "rP8Xc0Ue"] {
                #expect(!logs.contains(secret), "\(secret) in the logs")
            }
            #expect(apus.stderrTail().contains("line 6"), "\(apus.stderrTail())")
        }
    }
}
