import ApusKubernetes
import Testing

/// Which Ingress statuses the leader writes: ours get the published addresses when they
/// differ; Ingresses no longer ours lose exactly our addresses; others are left alone.
@Suite struct IngressStatusPlanTests {
    static func ingress(_ name: String, version: String = "1", status: [LoadBalancerIngress] = []) -> Ingress {
        Ingress(metadata: ObjectMeta(name: name, namespace: "demo", resourceVersion: version), loadBalancer: status)
    }

    static let published = IngressStatusPlan.addresses(fromList: ["lb.example.com,203.0.113.7", "2001:db8::1"])

    /// --publish-address splits on commas; IP literals are ips, the rest hostnames; canonical order is ips then hostnames.
    @Test func addressList() {
        #expect(Self.published == [LoadBalancerIngress(hostname: "lb.example.com"), LoadBalancerIngress(ip: "203.0.113.7"), LoadBalancerIngress(ip: "2001:db8::1")])
        #expect(IngressStatusPlan.canonical(Self.published + [LoadBalancerIngress(ip: "203.0.113.7")]) ==
                [LoadBalancerIngress(ip: "2001:db8::1"), LoadBalancerIngress(ip: "203.0.113.7"), LoadBalancerIngress(hostname: "lb.example.com")])
        #expect(IngressStatusPlan.addresses(fromList: ["999.1.1.1"]) == [LoadBalancerIngress(hostname: "999.1.1.1")])
    }

    /// Ours: written when different (in any order the same set counts as equal), with the resourceVersion read.
    @Test func ours() {
        let canonical = IngressStatusPlan.canonical(Self.published)
        let ingresses = [
            Self.ingress("fresh", version: "10"),
            Self.ingress("current", status: canonical),
            Self.ingress("reordered", status: canonical.reversed()),
            Self.ingress("stale", version: "11", status: [LoadBalancerIngress(ip: "198.51.100.1")]),
        ]
        let ours: Set<ObjectKey> = Set(ingresses.map(\.metadata.key))
        let writes = IngressStatusPlan.writes(ingresses: ingresses, ours: ours, addresses: Self.published)
        #expect(writes.map(\.ingress.name) == ["fresh", "stale"])
        #expect(writes.allSatisfy { $0.addresses == canonical })
        #expect(writes.map(\.resourceVersion) == ["10", "11"])
    }

    /// Not ours: cleared only when the status is exactly ours; another controller's is kept.
    @Test func noLongerOurs() {
        let canonical = IngressStatusPlan.canonical(Self.published)
        let ingresses = [
            Self.ingress("left", status: canonical),
            Self.ingress("other-controller", status: [LoadBalancerIngress(ip: "192.0.2.50")]),
            Self.ingress("never", status: []),
        ]
        let writes = IngressStatusPlan.writes(ingresses: ingresses, ours: [], addresses: Self.published)
        #expect(writes == [IngressStatusPlan.Write(ingress: ObjectKey(namespace: "demo", name: "left"), resourceVersion: "1", addresses: [])])
        // With nothing published (a load balancer without an address yet) nothing is cleared.
        #expect(IngressStatusPlan.writes(ingresses: ingresses, ours: [], addresses: []).isEmpty)
    }

    /// The PATCH body is a merge patch of the status alone, with the resourceVersion as the
    /// server-checked precondition: no name, labels or annotations that a write could replace.
    @Test func body() {
        let write = IngressStatusPlan.Write(ingress: ObjectKey(namespace: "demo", name: "web"), resourceVersion: "215",
                                            addresses: [LoadBalancerIngress(ip: "203.0.113.7"), LoadBalancerIngress(hostname: "lb.example.com")])
        #expect(String(decoding: IngressStatusPlan.body(write), as: UTF8.self) ==
                #"{"metadata":{"resourceVersion":"215"},"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.7"},{"hostname":"lb.example.com"}]}}}"#)
        let cleared = IngressStatusPlan.Write(ingress: ObjectKey(namespace: "other", name: "theirs"), resourceVersion: "9", addresses: [])
        #expect(String(decoding: IngressStatusPlan.body(cleared), as: UTF8.self) ==
                #"{"metadata":{"resourceVersion":"9"},"status":{"loadBalancer":{"ingress":[]}}}"#)
    }

    /// A LoadBalancer Service's status from the API.
    @Test func serviceAddresses() throws {
        let tree = try ObjectTree.parseJSON(Array(#"{"kind":"Service","status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.9","ipMode":"VIP"},{"hostname":"a.elb.example"}]}}}"#.utf8))
        #expect(IngressStatusPlan.addresses(ofService: tree) == [LoadBalancerIngress(ip: "203.0.113.9"), LoadBalancerIngress(hostname: "a.elb.example")])
        #expect(IngressStatusPlan.addresses(ofService: try ObjectTree.parseJSON(Array(#"{"status":{"loadBalancer":{}}}"#.utf8))).isEmpty)
    }
}
