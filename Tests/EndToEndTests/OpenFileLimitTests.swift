import Foundation
import Testing

/// File descriptors as a resource clients can exhaust (issue 17 points 3 and 7): the soft
/// limit is raised to the hard one at start, the admin listener answers when clients have
/// taken every descriptor they may, and an upstream connect that finds none left blames no
/// endpoint.
@Suite struct OpenFileLimitTests {
    static func openFilesLimit(_ pid: Int32) -> Int? {
        let limits = (try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)) ?? ""
        let line = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") } ?? ""
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first.flatMap { Int($0) }
    }

    /// Started with a soft limit of 128 and a hard one of 200, apus runs with 200. With 260
    /// idle clients, those past its client ceiling are closed, and /healthz still answers.
    @Test(.timeLimit(.endToEnd(3))) func softLimitRaisedAndAdminAnswersAtTheLimit() async throws {
        try await withScenario(slots: 2) { s in
            let backend = try await s.backend("b")
            let (port, admin) = (try s.port(), try s.port())
            let apus = try await s.apus(ApusConfig.proxyAll(listen: port, admin: admin, endpoints: [backend.endpoint]),
                                        waitFor: [port, admin], launcher: ["/usr/bin/prlimit", "--nofile=128:200"])
            #expect(Self.openFilesLimit(apus.pid) == 200, "soft limit not raised: \(Self.openFilesLimit(apus.pid) ?? -1)")
            var idle: [RawConnection] = []
            for _ in 0..<260 { idle.append(try RawConnection.connectNow(port: port)) }
            try await Task.sleep(for: .milliseconds(500))
            let health = try await HTTPClient.request(port: admin, path: "/healthz")
            #expect(health.status == 200, "the admin listener at the limit: \(health.status)")
            #expect(apus.stderr.contains("open-file limit nearly reached"))
            for connection in idle { connection.abort() }
            let served = try await eventually(timeout: .seconds(5)) {
                (try? await HTTPClient.request(port: port, path: "/echo").status) == 200
            }
            #expect(served, "clients are served again once the idle ones left")
        }
    }

    /// Clients that each hold an upstream connection use up the descriptors kept for upstream
    /// sockets: those requests get 502 counted as local_resources, no endpoint is ejected or
    /// blamed, and every request afterwards is served by both endpoints.
    @Test(.timeLimit(.endToEnd(3))) func descriptorShortageBlamesNoEndpoint() async throws {
        try await withScenario(slots: 2) { s in
            let a = try await s.backend("a")
            let b = try await s.backend("b")
            let (port, admin) = (try s.port(), try s.port())
            let apus = try await s.apus(ApusConfig.proxyAll(listen: port, admin: admin, endpoints: [a.endpoint, b.endpoint],
                                                           upstreamOptions: "balance: round_robin"),
                                        waitFor: [port, admin], launcher: ["/usr/bin/prlimit", "--nofile=128:128"])
            // Fill the client side up to its ceiling, then make every accepted client ask for a
            // slow answer: their upstream sockets need more descriptors than are left.
            var clients: [RawConnection] = []
            for _ in 0..<110 { clients.append(try RawConnection.connectNow(port: port)) }
            try await Task.sleep(for: .milliseconds(300))
            for client in clients { try? await client.send("GET /delay/1500 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") }
            var statuses: [Int: Int] = [:]
            for client in clients {
                let status = (try? await client.readResponse(timeout: .seconds(10)))?.status ?? 0
                statuses[status, default: 0] += 1
            }
            for client in clients { client.abort() }
            print("OPEN-FILES statuses with 110 clients at a limit of 128: \(statuses.sorted { $0.key < $1.key })")
            #expect((statuses[502] ?? 0) > 0 && (statuses[200] ?? 0) > 0, "\(statuses)")
            #expect(apus.stderr.contains("no socket for an upstream connection; the endpoint is not blamed"))
            #expect(!apus.stderr.contains("upstream connect failed"), "an endpoint was blamed: \(apus.stderrTail())")
            let metrics = try await HTTPClient.request(port: admin, path: "/metrics").bodyText
            #expect(metrics.contains(#"kind="local_resources""#), "\(metrics.split(separator: "\n").filter { $0.contains("upstream_errors") })")
            var seen = Set<String>()
            for _ in 0..<6 {
                let response = try await HTTPClient.request(port: port, path: "/echo")
                #expect(response.status == 200)
                seen.insert(response.header("X-Backend") ?? "?")
            }
            #expect(seen == ["a", "b"], "\(seen)")
        }
    }
}
