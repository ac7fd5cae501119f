import Foundation

/// `/metrics` as Prometheus's own Python client parses it (`prometheus_client.parser`):
/// a test reads what a scraper would, and a line the parser refuses fails the scrape.
struct PrometheusScrape: Sendable {
    struct Sample: Sendable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample]
    /// Family name to its declared type (`counter`, `histogram`, `gauge`).
    var types: [String: String]

    private static let script = """
    import json, sys, urllib.request
    from prometheus_client.parser import text_string_to_metric_families
    text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
    samples, types = [], {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for s in family.samples:
            samples.append([s.name, s.labels, s.value])
    print(json.dumps({"samples": samples, "types": types}))
    """

    static func scrape(adminPort: Int, in dir: TempDirectory) async throws -> PrometheusScrape {
        let output = try await Tool.run("/usr/bin/env", ["python3", "-c", script, "http://127.0.0.1:\(adminPort)/metrics"], in: dir)
        guard output.succeeded, let data = output.stdout.data(using: .utf8),
              let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let raw = root["samples"] as? [[Any]], let types = root["types"] as? [String: String] else {
            throw ScrapeError(message: "prometheus_client could not read /metrics: \(output.stderr)")
        }
        let samples = raw.compactMap { entry -> Sample? in
            guard entry.count == 3, let name = entry[0] as? String, let labels = entry[1] as? [String: String],
                  let value = (entry[2] as? NSNumber)?.doubleValue else { return nil }
            return Sample(name: name, labels: labels, value: value)
        }
        return PrometheusScrape(samples: samples, types: types)
    }

    struct ScrapeError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Samples named `name` whose labels include every pair of `matching`.
    func select(_ name: String, _ matching: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in sample.name == name && matching.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The sum of the values of `select(name, matching)`.
    func sum(_ name: String, _ matching: [String: String] = [:]) -> Double {
        select(name, matching).reduce(0) { $0 + $1.value }
    }
}
