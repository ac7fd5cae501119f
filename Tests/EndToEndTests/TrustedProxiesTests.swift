import Foundation
import Testing

/// `client_address`: behind a trusted proxy the client named in X-Forwarded-For is the one
/// access lists check, X-Real-IP carries and the access log writes; from an untrusted peer
/// the header changes nothing.
@Suite struct TrustedProxiesTests {
    @Test(.timeLimit(.endToEnd(3))) func theClientBehindATrustedProxy() async throws {
        try await withScenario { s in
            let backend = try await s.backend("app")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            client_address: { trusted_proxies: [127.0.0.1/32, 10.0.0.0/8] }
            routes:
              - allow: [203.0.113.0/24]
                paths: [{ path: /, upstream: app }]
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            access_log: { format: json, path: access.log }
            """), waitFor: [port])
            let forwarded = try await HTTPClient.request(port: port, path: "/echo", headers: [("X-Forwarded-For", "198.51.100.7, 203.0.113.9, 10.1.1.1")])
            #expect(forwarded.status == 200)
            let echo = try EchoReply(forwarded.body)
            #expect(echo.header("X-Real-IP") == "203.0.113.9")
            // The whole chain and the peer still go upstream.
            #expect(echo.header("X-Forwarded-For") == "198.51.100.7, 203.0.113.9, 10.1.1.1, 127.0.0.1")
            // Without the header the peer is the client, and it is not on the allow list.
            #expect(try await HTTPClient.request(port: port, path: "/echo").status == 403)
            #expect(try await HTTPClient.request(port: port, path: "/echo", headers: [("X-Forwarded-For", "198.51.100.7")]).status == 403)
            // From a peer that is no trusted proxy, the header is not believed.
            let untrusted = try await s.curl(["--interface", "127.0.0.2", "-H", "X-Forwarded-For: 203.0.113.9", "http://127.0.0.1:\(port)/echo"])
            #expect(untrusted.status == 403)

            var clients: [String] = []
            let logged = await eventually(timeout: .seconds(3)) {
                clients = s.dir.read("access.log").split(separator: "\n").compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["client"] as? String
                }
                return clients.count == 4
            }
            #expect(logged && clients == ["203.0.113.9", "127.0.0.1", "198.51.100.7", "127.0.0.2"], "\(clients)")
        }
    }
}
