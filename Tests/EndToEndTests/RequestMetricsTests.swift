import Foundation
import Testing

/// The request series of `/metrics` (ingress-nginx's families under Apus's names), read
/// with Prometheus's Python parser and compared with the requests the test sent.
@Suite struct RequestMetricsTests {
    static func config(port: Int, admin: Int, backends: [String: PythonBackend]) -> String {
        ApusConfig.yaml(listen: port, admin: admin, workers: "2", body: """
        routes:
          - host: shop.test
            paths:
              - { path: /, upstream: app }
              - { path: /delay, upstream: app }
              - { path: /fixed, type: Exact, respond: { status: 200, body: "0123456789", content_type: text/plain } }
              - { path: /split, upstream: app, canary: { upstream: preview, header: X-Canary } }
        upstreams:
          app: { endpoints: [\(backends["app"]!.endpoint)] }
          preview: { endpoints: [\(backends["preview"]!.endpoint)] }
        """)
    }

    static let route = ["namespace": "", "ingress": "", "service": "app", "host": "shop.test"]

    /// Sends the whole mix, waits for the workers' flush, and checks every count, sum and
    /// bucket against it: proxied requests by method, quick and slow; a local answer of
    /// known size both ways; canary and main of one route; refusals (404 for an unknown
    /// host, 400 for a malformed head, 431 for an oversized one); admin requests kept
    /// apart; the process families.
    @Test(.timeLimit(.endToEnd(4))) func everyAnswerIsCountedUnderItsRoute() async throws {
        try await withScenario { s in
            let b = try await s.backends(["app", "preview"])
            let port = try s.port()
            let admin = try s.port()
            _ = try await s.apus(Self.config(port: port, admin: admin, backends: b), waitFor: [port, admin])

            for index in 0..<30 {
                #expect(try await HTTPClient.request(port: port, path: "/item/\(index)", host: "shop.test").status == 200)
            }
            let body = [UInt8](repeating: 0x61, count: 1000)
            for _ in 0..<6 {
                #expect(try await HTTPClient.request(port: port, method: "POST", path: "/cart", host: "shop.test", body: body).status == 200)
            }
            for _ in 0..<3 {
                #expect(try await HTTPClient.request(port: port, path: "/delay/300", host: "shop.test").status == 200)
            }
            // A local answer: its request and response bytes are known exactly.
            let fixedRequest = "GET /fixed HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n"
            var fixedResponseBytes = 0
            for _ in 0..<4 {
                let connection = try await RawConnection.connect(port: port)
                try await connection.send(fixedRequest)
                fixedResponseBytes = try await connection.readUntilClose().count
            }
            for _ in 0..<5 {
                #expect(try await HTTPClient.request(port: port, path: "/split", host: "shop.test", headers: [("X-Canary", "always")]).header("X-Backend") == "preview")
            }
            for _ in 0..<2 {
                #expect(try await HTTPClient.request(port: port, path: "/split", host: "shop.test").header("X-Backend") == "app")
            }
            for index in 0..<7 {
                #expect(try await HTTPClient.request(port: port, path: "/x\(index)", host: "nowhere-\(index).test").status == 404)
            }
            for _ in 0..<3 {
                let connection = try await RawConnection.connect(port: port)
                try await connection.send("GET / HTTP/1.1\r\nHost: shop.test\r\nBroken header line\r\n\r\n")
                #expect(try await connection.readResponse()?.status == 400)
            }
            for _ in 0..<2 {
                let connection = try await RawConnection.connect(port: port)
                try await connection.send("GET / HTTP/1.1\r\nHost: shop.test\r\nX-Big: \(String(repeating: "b", count: 20_000))\r\n\r\n")
                #expect(try await connection.readResponse()?.status == 431)
            }
            for _ in 0..<4 { #expect(try await HTTPClient.request(port: admin, path: "/healthz").status == 200) }

            // Workers add their counts about once a second.
            try await Task.sleep(for: .milliseconds(1600))
            let scrape = try await PrometheusScrape.scrape(adminPort: admin, in: s.dir)
            #expect(scrape.types["apus_requests"] == "counter")
            #expect(scrape.types["apus_request_duration_seconds"] == "histogram")

            let gets = Self.route.merging(["path": "/", "method": "GET", "status": "200", "canary": ""]) { $1 }
            #expect(scrape.sum("apus_requests_total", gets) == 30)
            let posts = Self.route.merging(["path": "/", "method": "POST", "status": "200"]) { $1 }
            #expect(scrape.sum("apus_requests_total", posts) == 6)
            // Each POST: its 1000 body bytes and a head of 60 to 200 bytes.
            let postBytes = scrape.sum("apus_request_size_bytes_sum", posts)
            #expect(postBytes >= 6 * 1060 && postBytes <= 6 * 1200, "request bytes of 6 POSTs: \(postBytes)")
            #expect(scrape.sum("apus_request_size_bytes_bucket", posts.merging(["le": "100"]) { $1 }) == 0)
            #expect(scrape.sum("apus_request_size_bytes_bucket", posts.merging(["le": "+Inf"]) { $1 }) == 6)

            let slow = Self.route.merging(["path": "/delay", "method": "GET", "status": "200"]) { $1 }
            #expect(scrape.sum("apus_request_duration_seconds_count", slow) == 3)
            #expect(scrape.sum("apus_request_duration_seconds_bucket", slow.merging(["le": "0.25"]) { $1 }) == 0, "300 ms requests are above 0.25 s")
            #expect(scrape.sum("apus_request_duration_seconds_bucket", slow.merging(["le": "1"]) { $1 }) == 3)
            let headerSum = scrape.sum("apus_upstream_header_duration_seconds_sum", slow)
            #expect(headerSum >= 0.89 && headerSum < 3, "upstream header time of three 300 ms answers: \(headerSum)")
            #expect(scrape.sum("apus_upstream_connect_duration_seconds_count", slow) == 3)
            #expect(scrape.sum("apus_upstream_response_duration_seconds_count", slow) == 3)

            let fixed = Self.route.merging(["service": "", "path": "/fixed", "method": "GET", "status": "200"]) { $1 }
            #expect(scrape.sum("apus_requests_total", fixed) == 4)
            #expect(scrape.sum("apus_request_size_bytes_sum", fixed) == Double(4 * fixedRequest.utf8.count))
            #expect(scrape.sum("apus_response_size_bytes_sum", fixed) == Double(4 * fixedResponseBytes))
            #expect(scrape.select("apus_upstream_connect_duration_seconds_count", fixed).isEmpty, "a local answer has no upstream timings")

            let split = Self.route.merging(["path": "/split", "method": "GET", "status": "200"]) { $1 }
            #expect(scrape.sum("apus_requests_total", split.merging(["canary": "preview"]) { $1 }) == 5)
            #expect(scrape.sum("apus_requests_total", split.merging(["canary": ""]) { $1 }) == 2)

            let unrouted = ["namespace": "", "ingress": "", "service": "", "host": "", "path": ""]
            #expect(scrape.sum("apus_requests_total", unrouted.merging(["method": "GET", "status": "404"]) { $1 }) == 7)
            #expect(scrape.sum("apus_requests_total", unrouted.merging(["method": "", "status": "400"]) { $1 }) == 3)
            #expect(scrape.sum("apus_requests_total", unrouted.merging(["method": "", "status": "431"]) { $1 }) == 2)

            // The process families dashboards' CPU and memory panels read.
            #expect(scrape.sum("process_resident_memory_bytes") > 1_000_000 && scrape.sum("process_cpu_seconds_total") > 0)
            #expect(scrape.sum("process_open_fds") >= 4 && scrape.sum("process_max_fds") >= scrape.sum("process_open_fds"))
            let started = scrape.sum("process_start_time_seconds")
            #expect(abs(started - Date().timeIntervalSince1970) < 120, "started at \(started)")

            // Everything sent to the proxy, nothing of the admin listener's.
            #expect(scrape.sum("apus_requests_total") == 30 + 6 + 3 + 4 + 5 + 2 + 7 + 3 + 2)
            #expect(scrape.sum("apus_admin_requests_total", ["status": "200"]) >= 4)

            // Each histogram agrees with the counter, and its buckets only grow.
            for counter in scrape.select("apus_requests_total") {
                for family in ["apus_request_duration_seconds", "apus_request_size_bytes", "apus_response_size_bytes"] {
                    #expect(scrape.sum("\(family)_count", counter.labels) == counter.value, "\(family) of \(counter.labels)")
                    let buckets = scrape.select("\(family)_bucket", counter.labels)
                        .sorted { (Double($0.labels["le"]!) ?? .infinity) < (Double($1.labels["le"]!) ?? .infinity) }
                    #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value })
                    #expect(buckets.last?.labels["le"] == "+Inf" && buckets.last?.value == counter.value)
                }
            }
        }
    }

    /// Answers that end without finishing are counted too: a client that leaves before its
    /// answer is nginx's 499, a response the upstream broke off keeps the status it went
    /// out with.
    @Test(.timeLimit(.endToEnd(3))) func answersThatBreakOffAreCounted() async throws {
        try await withScenario { s in
            let b = try await s.backends(["app"])
            let cut = try await s.hostileUpstream("cut-body")
            let port = try s.port()
            let admin = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, admin: admin, body: """
            routes:
              - paths:
                  - { path: /delay, upstream: app }
                  - { path: /cut, upstream: cut }
            upstreams:
              app: { endpoints: [\(b["app"]!.endpoint)] }
              cut: { endpoints: [\(cut.endpoint)] }
            """), waitFor: [port, admin])
            for _ in 0..<2 {
                let leaving = try await RawConnection.connect(port: port)
                try await leaving.send("GET /delay/400 HTTP/1.1\r\nHost: any.test\r\n\r\n")
                try await Task.sleep(for: .milliseconds(100))
                leaving.abort()
            }
            for _ in 0..<3 {
                let connection = try await RawConnection.connect(port: port)
                try await connection.send("GET /cut HTTP/1.1\r\nHost: any.test\r\n\r\n")
                let received = try await connection.readUntilClose()
                #expect(received.count < 1000, "the body is cut short: \(received.count) bytes")
            }
            try await Task.sleep(for: .milliseconds(1600))
            let scrape = try await PrometheusScrape.scrape(adminPort: admin, in: s.dir)
            #expect(scrape.sum("apus_requests_total", ["path": "/delay", "status": "499", "service": "app"]) == 2,
                    "\(scrape.select("apus_requests_total").map { ($0.labels, $0.value) })")
            #expect(scrape.sum("apus_requests_total", ["path": "/cut", "status": "200", "service": "cut"]) == 3)
            #expect(scrape.sum("apus_requests_total") == 5)
        }
    }

    /// Label values come from the configuration, never from the request: 200 requests
    /// with made-up hosts, paths and methods add no series beyond the configured ones.
    @Test(.timeLimit(.endToEnd(3))) func requestsCannotAddSeries() async throws {
        try await withScenario { s in
            let b = try await s.backends(["app", "preview"])
            let port = try s.port()
            let admin = try s.port()
            _ = try await s.apus(Self.config(port: port, admin: admin, backends: b), waitFor: [port, admin])
            for index in 0..<100 {
                _ = try await HTTPClient.request(port: port, method: "M\(index)", path: "/p\(index)", host: "h\(index).test")
                _ = try await HTTPClient.request(port: port, method: "X\(index)", path: "/item/\(index)?q=\(index)", host: "shop.test")
            }
            try await Task.sleep(for: .milliseconds(1600))
            let scrape = try await PrometheusScrape.scrape(adminPort: admin, in: s.dir)
            let series = scrape.select("apus_requests_total")
            #expect(scrape.sum("apus_requests_total") == 200)
            #expect(series.count <= 3, "unknown host, and the / rule with the upstream's answers: \(series.map(\.labels))")
            #expect(series.allSatisfy { ["", "OTHER"].contains($0.labels["method"]) && ["", "shop.test"].contains($0.labels["host"]) && ["", "/"].contains($0.labels["path"]) })
        }
    }
}

extension RequestMetricsTests {
    /// A reload that removes a route removes its series, and a request still in flight on
    /// the removed route does not bring it back when it finishes; the others keep counting.
    @Test(.timeLimit(.endToEnd(3))) func seriesOfRemovedRoutesGo() async throws {
        try await withScenario { s in
            let b = try await s.backends(["app"])
            let port = try s.port()
            let admin = try s.port()
            func config(_ marker: String, extraPath: Bool) -> String {
                ApusConfig.yaml(listen: port, admin: admin, body: """
                routes:
                  - paths:
                      \(ApusConfig.markerPath(marker))
                      - { path: /kept, upstream: app }
                      \(extraPath ? "- { path: /delay, upstream: app }" : "")
                upstreams:
                  app: { endpoints: [\(b["app"]!.endpoint)] }
                """)
            }
            let apus = try await s.apus(config("1", extraPath: true), waitFor: [port, admin])
            for path in ["/kept", "/delay/0", "/kept"] { #expect(try await HTTPClient.request(port: port, path: path).status == 200) }
            try await Task.sleep(for: .milliseconds(1300))
            let before = try await PrometheusScrape.scrape(adminPort: admin, in: s.dir)
            #expect(before.sum("apus_requests_total", ["path": "/delay"]) == 1 && before.sum("apus_requests_total", ["path": "/kept"]) == 2)
            // In flight across the reload: it finishes on the older table, after the publish.
            let inFlight = Task { try await HTTPClient.request(port: port, path: "/delay/1500").status }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await apus.reload(config("2", extraPath: false), untilMarker: "2", port: port))
            #expect(try await inFlight.value == 200)
            #expect(try await HTTPClient.request(port: port, path: "/kept").status == 200)
            try await Task.sleep(for: .milliseconds(1300))
            let after = try await PrometheusScrape.scrape(adminPort: admin, in: s.dir)
            #expect(after.select("apus_requests_total", ["path": "/delay"]).isEmpty, "\(after.select("apus_requests_total").map(\.labels))")
            #expect(after.select("apus_request_duration_seconds_count", ["path": "/delay"]).isEmpty)
            #expect(after.sum("apus_requests_total", ["path": "/kept"]) == 3)
        }
    }
}
