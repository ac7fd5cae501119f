import ApusCore

/// Which Ingresses need a status write, and what to write: pure, so that the rules are
/// tested without an API server.
///
/// - An Ingress of ours whose `status.loadBalancer.ingress` differs from the published
///   addresses gets them (an empty list too: an address that went away is not kept).
/// - An Ingress not ours (its class changed, the class stopped naming us) whose status
///   is exactly our addresses gets them cleared; anything else there belongs to another
///   controller and is left alone. Comparing with our addresses rather than remembering
///   what we wrote also covers a controller restarted after the change.
/// Addresses compare in a canonical order (IPs, then hostnames, each sorted, no repeats).
public enum IngressStatusPlan {
    public struct Write: Equatable, Sendable {
        public var ingress: ObjectKey
        /// The version the decision was made on, sent for optimistic concurrency.
        public var resourceVersion: String
        public var addresses: [LoadBalancerIngress]

        public init(ingress: ObjectKey, resourceVersion: String, addresses: [LoadBalancerIngress]) {
            self.ingress = ingress
            self.resourceVersion = resourceVersion
            self.addresses = addresses
        }
    }

    public static func writes(ingresses: some Sequence<Ingress>, ours: Set<ObjectKey>, addresses: [LoadBalancerIngress]) -> [Write] {
        let published = canonical(addresses)
        var writes: [Write] = []
        for ingress in ingresses {
            let key = ingress.metadata.key
            let current = canonical(ingress.loadBalancer)
            if ours.contains(key) {
                if current != published || ingress.loadBalancer.count != current.count {
                    writes.append(Write(ingress: key, resourceVersion: ingress.metadata.resourceVersion, addresses: published))
                }
            } else if !published.isEmpty && current == published {
                writes.append(Write(ingress: key, resourceVersion: ingress.metadata.resourceVersion, addresses: []))
            }
        }
        return writes.sorted { $0.ingress < $1.ingress }
    }

    public static func canonical(_ addresses: [LoadBalancerIngress]) -> [LoadBalancerIngress] {
        var seen = Set<String>()
        var ips: [LoadBalancerIngress] = []
        var hostnames: [LoadBalancerIngress] = []
        for address in addresses {
            if let ip = address.ip, !ip.isEmpty {
                if seen.insert("ip " + ip).inserted { ips.append(LoadBalancerIngress(ip: ip)) }
            } else if let hostname = address.hostname, !hostname.isEmpty {
                if seen.insert("host " + hostname.lowercased()).inserted { hostnames.append(LoadBalancerIngress(hostname: hostname.lowercased())) }
            }
        }
        return ips.sorted { $0.ip! < $1.ip! } + hostnames.sorted { $0.hostname! < $1.hostname! }
    }

    /// `--publish-address 203.0.113.7,lb.example.com`: IP literals as `ip`, the rest as `hostname`.
    public static func addresses(fromList text: [String]) -> [LoadBalancerIngress] {
        text.flatMap { $0.split(separator: ",") }.map { String($0).trimmingSpaces }.filter { !$0.isEmpty }.map { item in
            isIPLiteral(item) ? LoadBalancerIngress(ip: item) : LoadBalancerIngress(hostname: item)
        }
    }

    /// `status.loadBalancer.ingress` of a Service as the API returns it.
    public static func addresses(ofService tree: ObjectTree) -> [LoadBalancerIngress] {
        guard case .list(let items)? = tree["status"]?["loadBalancer"]?["ingress"] else { return [] }
        return items.map { item in
            var address = LoadBalancerIngress()
            address.ip = item["ip"]?.text
            address.hostname = item["hostname"]?.text
            return address
        }
    }

    /// The body of `PATCH .../ingresses/NAME/status` as a JSON merge patch
    /// (`application/merge-patch+json`): the status alone, plus the resourceVersion the
    /// decision was made on, which the API server checks (409 when the Ingress changed).
    /// Never a PUT: the status subresource stores the `metadata` it is sent, so a partial
    /// object would erase the Ingress's annotations and labels. The list replaces the
    /// stored one whole (merge patches do not merge lists); an empty list clears it.
    public static func body(_ write: Write) -> [UInt8] {
        let entries = write.addresses.map { address in
            address.ip.map { "{\"ip\":\(JSONWriter.quoted($0))}" } ?? "{\"hostname\":\(JSONWriter.quoted(address.hostname ?? ""))}"
        }.joined(separator: ",")
        return Array("{\"metadata\":{\"resourceVersion\":\(JSONWriter.quoted(write.resourceVersion))},\"status\":{\"loadBalancer\":{\"ingress\":[\(entries)]}}}".utf8)
    }

    static func isIPLiteral(_ text: String) -> Bool {
        if text.contains(":") { return text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in UInt8(part) != nil && part.allSatisfy(\.isNumber) }
    }
}
