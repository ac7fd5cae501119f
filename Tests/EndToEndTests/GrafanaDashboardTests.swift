import Foundation
import Testing

/// conf/grafana/apus-dashboard.json reads what Apus exposes: every family a panel, variable
/// or annotation queries is in a live `/metrics` (read with Prometheus's Python parser), and
/// every label it groups or filters by is on that family's samples.
@Suite struct GrafanaDashboardTests {
    static let checker = #"""
    import json, re, sys, urllib.request
    from prometheus_client.parser import text_string_to_metric_families
    dashboard = json.load(open(sys.argv[1]))
    text = urllib.request.urlopen(sys.argv[2], timeout=10).read().decode()
    labels = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels.setdefault(sample.name, set()).update(sample.labels)
    # Shown only where they apply, and checked by their own tests: the election's status
    # (controller with --publish-*).
    elsewhere = {"apus_leader_election_status"}
    # Added by Prometheus when it scrapes, not by the exporter.
    scraped = {"job", "instance"}
    exprs = []
    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("expr", "query") and isinstance(value, str):
                    exprs.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(dashboard)
    problems, names = [], set()
    for expr in exprs:
        used = re.findall(r"\b((?:apus|process)_[a-z_]+)\b", expr)
        names.update(used)
        wanted = set()
        for group in re.findall(r"\b(?:by|without|ignoring|on)\s*\(([^)]*)\)", expr):
            wanted.update(name.strip() for name in group.split(",") if name.strip())
        for group in re.findall(r"label_values\([^,]*,\s*([a-zA-Z_]+)\s*\)", expr):
            wanted.add(group)
        for selector in re.findall(r"\{([^}]*)\}", expr):
            wanted.update(re.findall(r"([a-zA-Z_]+)\s*(?:=~|!~|!=|=)", selector))
        wanted -= scraped
        for name in used:
            if name in elsewhere:
                continue
            if name not in labels:
                problems.append(f"{name} is not in /metrics ({expr})")
                continue
            missing = wanted - labels[name] - ({"le"} if name.endswith("_bucket") else set())
            if missing:
                problems.append(f"{name} has no label {sorted(missing)} ({expr})")
    print(json.dumps({"exprs": len(exprs), "names": sorted(names), "problems": problems}))
    """#

    @Test(.timeLimit(.endToEnd(3))) func everyQueryFindsItsFamilyAndLabels() async throws {
        try await withScenario { s in
            let b = try await s.backends(["app", "preview"])
            let certificates = try await TLSTestCertificates.shared()
            let (port, tlsPort, admin) = (try s.port(), try s.port(), try s.port())
            _ = try await s.apus("""
            workers: 1
            admin: { listen: 127.0.0.1:\(admin) }
            listeners:
              - { name: http, listen: 127.0.0.1:\(port) }
              - { name: https, listen: 127.0.0.1:\(tlsPort), tls: { certificates: [{ cert: \(certificates.app.cert), key: \(certificates.app.key) }] } }
            routes:
              - host: shop.test
                paths:
                  - { path: /split, upstream: app, canary: { upstream: preview, header: X-Canary } }
                  - { path: /dead, upstream: dead }
            upstreams:
              app: { endpoints: [\(b["app"]!.endpoint)] }
              preview: { endpoints: [\(b["preview"]!.endpoint)] }
              dead: { endpoints: ["127.0.0.1:1"] }
            """, waitFor: [port, tlsPort, admin])
            // Traffic for every family to have samples: both sides of a canary (each upstream
            // histogram) and an upstream that refuses connections.
            for headers in [[], [("X-Canary", "always")]] {
                #expect(try await HTTPClient.request(port: port, path: "/split", host: "shop.test", headers: headers).status == 200)
            }
            #expect(try await HTTPClient.request(port: port, path: "/dead", host: "shop.test").status == 502)
            try await Task.sleep(for: .milliseconds(1400))
            let dashboard = ApusBinary.packageRoot + "/conf/grafana/apus-dashboard.json"
            let output = try await Tool.run("/usr/bin/env", ["python3", "-c", Self.checker, dashboard, "http://127.0.0.1:\(admin)/metrics"], in: s.dir)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stderr)")
            #expect((report["exprs"] as? Int ?? 0) >= 20)
            let names = report["names"] as? [String] ?? []
            for family in ["apus_requests_total", "apus_request_duration_seconds_bucket", "apus_upstream_header_duration_seconds_bucket",
                           "apus_ssl_certificate_expiry_seconds", "apus_controller_sync_duration_seconds_bucket", "process_cpu_seconds_total"] {
                #expect(names.contains(family), "the dashboard reads \(family)")
            }
            #expect((report["problems"] as? [String] ?? ["no report"]).isEmpty, "\(report["problems"] ?? "")")
        }
    }
}
