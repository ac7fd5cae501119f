import Foundation
import Testing

/// ingress-nginx's cookie affinity and upstream-hash-by with `apus controller` against a
/// real kube-apiserver: sessions and keys hold while the Service's endpoints change, the
/// new endpoint takes only its share, and a vanished endpoint's sessions go elsewhere.
@Suite struct RealAPIAffinityTests {
    @Test(.timeLimit(.endToEnd(5))) func sessionsAndKeysFollowEndpointChanges() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let a = try await s.backend("a", in: net)
            let b = try await s.backend("b", in: net)
            let c = try await s.backend("c", in: net)
            try await api.seed(services: ["app": [a, b]])
            try await api.create(KubeObject.ingress("sticky", host: "sticky.test", paths: [("/", "Prefix", "app", "http")], annotations: [
                "nginx.ingress.kubernetes.io/affinity": "cookie", "nginx.ingress.kubernetes.io/session-cookie-name": "route",
                "nginx.ingress.kubernetes.io/session-cookie-max-age": "172800",
            ]))
            try await api.create(KubeObject.ingress("hashed", host: "hashed.test", paths: [("/", "Prefix", "app", "http")], annotations: [
                "nginx.ingress.kubernetes.io/upstream-hash-by": "$arg_user",
            ]))
            let controller = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig)
            let port = controller.port
            func visit(_ cookie: String?) async throws -> (backend: String, cookie: String?) {
                let response = try await HTTPClient.request(port: port, path: "/", host: "sticky.test", headers: cookie.map { [("Cookie", "route=\($0)")] } ?? [])
                let set = response.headerValues("Set-Cookie").first
                return (response.header("X-Backend") ?? "status \(response.status)", set.map { String($0.dropFirst(6).prefix { $0 != ";" }) })
            }
            func user(_ name: String) async throws -> String {
                try await HTTPClient.request(port: port, path: "/?user=\(name)", host: "hashed.test").header("X-Backend") ?? "none"
            }
            let ready = try await eventually(timeout: .seconds(10)) { try await visit(nil).cookie != nil }
            #expect(ready, "stderr:\n\(controller.apus.stderrTail())")
            let first = try await HTTPClient.request(port: port, path: "/", host: "sticky.test")
            #expect(first.headerValues("Set-Cookie").first?.hasSuffix("; Path=/; Max-Age=172800; HttpOnly") == true, "\(first.headers)")

            var sessions: [(cookie: String, backend: String)] = []
            for _ in 0..<60 {
                let session = try await visit(nil)
                sessions.append((try #require(session.cookie), session.backend))
            }
            #expect(Set(sessions.map(\.backend)) == ["a", "b"])
            var users: [String: String] = [:]
            for index in 0..<60 { users["u\(index)"] = try await user("u\(index)") }
            #expect(Set(users.values) == ["a", "b"])

            // Scaled up: c's slice appears. Sessions and keys move only to c.
            try await api.create(KubeObject.endpointSlice("app-c", service: "app", address: c.host, port: c.port))
            let scaled = try await eventually(timeout: .seconds(10)) {
                var seen: Set<String> = []
                for index in 0..<60 { seen.insert(try await user("u\(index)")) }
                return seen.contains("c")
            }
            #expect(scaled, "stderr:\n\(controller.apus.stderrTail())")
            var movedSessions = 0
            var movedUsers = 0
            var current: [String: String] = [:]
            for session in sessions {
                let now = try await visit(session.cookie)
                #expect(now.cookie == nil && (now.backend == session.backend || now.backend == "c"), "\(session) -> \(now)")
                if now.backend != session.backend { movedSessions += 1 }
                current[session.cookie] = now.backend
            }
            for (name, backend) in users {
                let now = try await user(name)
                #expect(now == backend || now == "c", "\(name): \(backend) -> \(now)")
                if now != backend { movedUsers += 1 }
            }
            print("real API, 2 -> 3 endpoints: \(movedSessions) of 60 sessions and \(movedUsers) of 60 hash keys moved (ideal 20)")
            #expect((5...35).contains(movedSessions) && (5...35).contains(movedUsers))

            // a's slice goes: its sessions go elsewhere, the others stay.
            try await api.delete("/apis/discovery.k8s.io/v1/namespaces/demo/endpointslices/app-a")
            let gone = try await eventually(timeout: .seconds(10)) {
                var seen: Set<String> = []
                for index in 0..<30 { seen.insert(try await user("u\(index)")) }
                return !seen.contains("a")
            }
            #expect(gone)
            for (cookie, backend) in current {
                let now = try await visit(cookie)
                #expect(backend == "a" ? ["b", "c"].contains(now.backend) : now.backend == backend, "\(backend) -> \(now)")
            }
        }
    }
}
