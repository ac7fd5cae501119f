import Foundation

/// `apus controller` against a `KubeAPIServer`, with a listener and an admin port.
struct ControllerUnderTest {
    let apus: ApusProcess
    let port: Int
    let admin: Int
    /// The `--config` file (tests rewrite it to reload).
    let config: String

    /// Starts the controller with a config of one listener and admin (no routes), `--kubeconfig`
    /// pointing at `api`, and `extra` arguments; waits for both ports.
    static func start(_ s: Scenario, api: KubeAPIServer, kubeconfig: String? = nil, extra: [String] = []) async throws -> ControllerUnderTest {
        try await start(s, kubeconfig: try kubeconfig ?? api.writeKubeconfig(), extra: extra)
    }

    /// The same against whatever API server `kubeconfig` names (a `RealKubeAPI`).
    static func start(_ s: Scenario, kubeconfig: String, extra: [String] = []) async throws -> ControllerUnderTest {
        let (port, admin) = (try s.port(), try s.port())
        let config = try s.dir.write("controller-\(port).yaml", ApusConfig.yaml(listen: port, admin: admin, body: ""))
        let apus = try await s.apus(arguments: ["controller", "--config", config, "--kubeconfig", kubeconfig] + extra, waitFor: [port, admin])
        return ControllerUnderTest(apus: apus, port: port, admin: admin, config: config)
    }

    /// Starts the controller and waits until /readyz answers 200; fails the test with the
    /// controller's log when it does not within `timeout`.
    static func startReady(_ s: Scenario, kubeconfig: String, extra: [String] = [], timeout: Duration = .seconds(30)) async throws -> ControllerUnderTest {
        let controller = try await start(s, kubeconfig: kubeconfig, extra: extra)
        guard try await controller.waitReady(timeout: timeout) else {
            throw HarnessError("the controller never turned ready; stderr:\n\(controller.apus.stderrTail())")
        }
        return controller
    }

    /// Waits for /readyz to answer 200.
    func waitReady(timeout: Duration = .seconds(15)) async throws -> Bool {
        try await eventually(timeout: timeout, interval: .milliseconds(20)) {
            try await HTTPClient.request(port: admin, path: "/readyz").status == 200
        }
    }

    func who(_ host: String, _ path: String) async throws -> String {
        try await Probe.who(port: port, host: host, path: path)
    }

    /// Which backends answer `count` requests for host+path (names, or `status N`).
    func answers(_ host: String, _ path: String, count: Int = 6) async throws -> Set<String> {
        var seen = Set<String>()
        for _ in 0..<count { seen.insert(try await who(host, path)) }
        return seen
    }
}

extension KubeAPIServer {
    /// The usual starting point: our IngressClass, Services with one EndpointSlice per backend
    /// (`services` maps a Service name to its backends), and one Ingress `web` on `host`
    /// routing `/NAME` (Prefix) to each Service.
    func seed(host: String = "app.test", services: [String: [PythonBackend]]) async throws {
        var objects: [[String: Any]] = [KubeObject.ingressClass()]
        for (service, backends) in services.sorted(by: { $0.key < $1.key }) {
            objects.append(KubeObject.service(service))
            for backend in backends {
                objects.append(KubeObject.endpointSlice("\(service)-\(backend.name)", service: service, port: backend.port))
            }
        }
        objects.append(KubeObject.ingress("web", host: host, paths: services.keys.sorted().map { ("/\($0)", "Prefix", $0, "http") }))
        try await apply(objects)
    }
}

/// A real API server as a cluster install leaves it (the manifests' namespace, RBAC and
/// IngressClass), the controller's ServiceAccount kubeconfig, and a network namespace of the
/// test's own for backends.
struct RealCluster {
    let api: RealKubeAPI
    let kubeconfig: String
    let net: NetworkNamespace

    var parts: (RealKubeAPI, String, NetworkNamespace) { (api, kubeconfig, net) }
}

extension Scenario {
    func realCluster() async throws -> RealCluster {
        let api = try await realKubeAPI()
        let kubeconfig = try await api.installController()
        return RealCluster(api: api, kubeconfig: kubeconfig, net: try await networkNamespace())
    }
}

extension Scenario {
    /// A controller `--config` of one worker with a plain and an HTTPS listener (the dev
    /// `app` certificate as the default), and the ports it names.
    func controllerConfigWithTLS(_ certificates: TLSTestCertificates) throws -> (config: String, port: Int, tlsPort: Int, admin: Int) {
        let (port, tlsPort, admin) = (try self.port(), try self.port(), try self.port())
        let config = try dir.write("controller.yaml", """
        workers: 1
        admin: { listen: 127.0.0.1:\(admin) }
        listeners:
          - { name: http, listen: 127.0.0.1:\(port) }
          - name: https
            listen: 127.0.0.1:\(tlsPort)
            tls: { certificates: [{ cert: \(certificates.app.cert), key: \(certificates.app.key) }] }
        """)
        return (config, port, tlsPort, admin)
    }
}

extension RealKubeAPI {
    /// The usual starting point on a real server: namespace `demo`, Services with one
    /// EndpointSlice per backend (on the backends' network-namespace address), and one
    /// Ingress `web` on `host` routing `/NAME` (Prefix) to each Service.
    func seed(host: String = "app.test", services: [String: [PythonBackend]]) async throws {
        var objects: [[String: Any]] = [KubeObject.namespace("demo")]
        for (service, backends) in services.sorted(by: { $0.key < $1.key }) {
            objects.append(KubeObject.service(service))
            for backend in backends {
                objects.append(KubeObject.endpointSlice("\(service)-\(backend.name)", service: service, address: backend.host, port: backend.port))
            }
        }
        objects.append(KubeObject.ingress("web", host: host, paths: services.keys.sorted().map { ("/\($0)", "Prefix", $0, "http") }))
        try await create(objects)
    }
}
