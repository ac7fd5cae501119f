import ApusCore
import ApusKubernetes
import Testing

/// `limit-rps`, `limit-rpm`, `limit-burst-multiplier`, `limit-connections` and
/// `limit-allowlist`/`limit-whitelist`: what each path of the Ingress gets.
@Suite struct IngressRateLimitAnnotationTests {
    typealias F = KubeFixture

    static func limits(_ translation: IngressTranslation) -> [RateLimitConfig?] {
        translation.configuration.routes.flatMap(\.paths).map(\.settings.rateLimit)
    }

    @Test func everyPathOfTheIngressSharesOneZone() throws {
        let ingress = F.ingress("shop", paths: [("/", "Prefix", "web", "80"), ("/api", "Prefix", "web", "80")], annotations: [
            "nginx.ingress.kubernetes.io/limit-rps": "5", "nginx.ingress.kubernetes.io/limit-rpm": "100",
            "nginx.ingress.kubernetes.io/limit-burst-multiplier": "3", "nginx.ingress.kubernetes.io/limit-connections": "10",
            "nginx.ingress.kubernetes.io/limit-whitelist": "10.0.0.0/8, 192.0.2.7",
        ])
        let translation = try F.translate([F.ourClass, ingress] + F.web)
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        let limits = Self.limits(translation)
        #expect(limits.count == 2 && limits[0] == limits[1], "\(limits)")
        let limit = try #require(limits[0])
        #expect(limit.zone == "Ingress demo/shop" && limit.perSecond == 5 && limit.perMinute == 100 && limit.burstMultiplier == 3
            && limit.connections == 10 && limit.allow == ["10.0.0.0/8", "192.0.2.7"])
        let (table, compiled) = RouteTableCompiler.compile(translation.configuration)
        #expect(!compiled.contains { $0.severity == .error })
        let zones = Set(table.routes.compactMap { $0.rateLimit?.perSecond?.zone })
        #expect(zones.count == 1, "one count for the Ingress's paths")
    }

    /// 0 sets no limit and a multiplier of 0 no burst, as in ingress-nginx; the multiplier or
    /// allow list alone do nothing.
    @Test func zeroAndStrayValues() throws {
        let strict = try F.translate([F.ourClass, F.ingress("s", annotations: ["nginx.ingress.kubernetes.io/limit-rps": "3",
                                                                           "nginx.ingress.kubernetes.io/limit-burst-multiplier": "0"])] + F.web)
        #expect(Self.limits(strict).first??.burstMultiplier == 0)
        let zero = try F.translate([F.ourClass, F.ingress("z", annotations: ["nginx.ingress.kubernetes.io/limit-rps": "0",
                                                                         "nginx.ingress.kubernetes.io/limit-burst-multiplier": "2"])] + F.web)
        #expect(Self.limits(zero).allSatisfy { $0 == nil })
        #expect(zero.diagnostics.contains { $0.code == "annotation-without-effect" && $0.message.contains("limit-burst-multiplier") })
        let apus = try F.translate([F.ourClass, F.ingress("a", annotations: ["apus.dev/limit-rpm": "60", "apus.dev/limit-allowlist": "127.0.0.1"])] + F.web)
        #expect(Self.limits(apus).first??.perMinute == 60 && Self.limits(apus).first??.allow == ["127.0.0.1"])
    }

    @Test(arguments: [
        ("limit-rps", "five", "is not a whole number"),
        ("limit-rpm", "-1", "is not a whole number"),
        ("limit-rps", "2000000", "is not from 1 to 1000000"),
        ("limit-burst-multiplier", "5000", "is not from 0 (no burst) to 1000"),
        ("limit-burst-multiplier", "some", "is not a whole number"),
        ("limit-whitelist", "10.0.0.0/33", "10.0.0.0/33"),
    ])
    func badValuesRefuseTheIngress(feature: String, value: String, why: String) throws {
        var annotations = ["nginx.ingress.kubernetes.io/\(feature)": value]
        if feature != "limit-rps" { annotations["nginx.ingress.kubernetes.io/limit-rps"] = "5" }
        let translation = try F.translate([F.ourClass, F.ingress("bad", annotations: annotations)] + F.web)
        #expect(translation.reports.first?.accepted == false)
        #expect(translation.diagnostics.contains { $0.severity == .error && $0.message.contains(why) }, "\(translation.diagnostics)")
    }
}
