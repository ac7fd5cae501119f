import Foundation
import Testing

/// gRPC services behind `apus controller` against a real kube-apiserver: a Service reached
/// with `backend-protocol: GRPC` (ingress-nginx's annotation), another whose port says
/// `appProtocol: kubernetes.io/h2c` with no annotation, both real grpcio servers. A grpcio
/// client over TLS makes every call type through one host: the Echo calls go to the first,
/// the health checks to the second (no other path reaches it).
@Suite struct RealAPIGRPCTests {
    /// A Service whose port declares its application protocol.
    static func service(_ name: String, appProtocol: String) -> [String: Any] {
        var service = KubeObject.service(name)
        service["spec"] = ["type": "ClusterIP",
                           "ports": [["name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "appProtocol": appProtocol]]]
        return service
    }

    @Test(.timeLimit(.endToEnd(4))) func grpcServicesFromIngresses() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let certificates = try await TLSTestCertificates.shared()
            let (echo, health) = (try await s.grpcServer(in: net), try await s.grpcServer(in: net))
            try await api.create([
                KubeObject.namespace("demo"),
                KubeObject.service("echo"),
                KubeObject.endpointSlice("echo-1", service: "echo", address: echo.host, port: echo.port),
                Self.service("health", appProtocol: "kubernetes.io/h2c"),
                KubeObject.endpointSlice("health-1", service: "health", address: health.host, port: health.port),
                KubeObject.ingress("echo", host: "localhost", paths: [("/apus.test.Echo/", "Prefix", "echo", "http")],
                                   annotations: ["nginx.ingress.kubernetes.io/backend-protocol": "GRPC"]),
                KubeObject.ingress("health", host: "localhost", paths: [("/grpc.health.v1.Health/", "Prefix", "health", "http")]),
            ])
            let (config, _, tlsPort, admin) = try s.controllerConfigWithTLS(certificates)
            let controller = try await s.apus(arguments: ["controller", "--config", config, "--kubeconfig", kubeconfig], waitFor: [tlsPort, admin])
            // One empty gRPC message (flags and length, all zero) per probe; both routes are
            // there once both answer as gRPC servers.
            let message = try s.dir.write("empty-message", String(repeating: "\u{0}", count: 5))
            var last = ""
            func answersGRPC(_ path: String) async throws -> Bool {
                let call = try await Tool.run("/usr/bin/nghttp", ["-v", "-H", "content-type: application/grpc", "-H", "te: trailers",
                                                                   "-d", message, "https://localhost:\(tlsPort)\(path)"], in: s.dir)
                last = "\(path): \(call.stdout.suffix(600))"
                return call.stdout.contains(":status: 200") && call.stdout.contains("grpc-status: 0")
            }
            let routed = try await eventually(timeout: .seconds(15)) {
                guard try await answersGRPC("/grpc.health.v1.Health/Check") else { return false }
                return try await answersGRPC("/apus.test.Echo/Unary")
            }
            #expect(routed, "\(last)\nstderr:\n\(controller.stderrTail())")
            let result = try await GRPCPeer.run("localhost:\(tlsPort)", "calls", ca: certificates.ca, in: s.dir)
            GRPCTests.expectCalls(result)
        }
    }
}
