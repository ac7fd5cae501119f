import Foundation

/// One running `KubeAPIScript`: a Kubernetes API on loopback that tests fill with objects through its
/// control port, stop and restart, and make answer 410, 401 or 403.
final class KubeAPIServer: Sendable {
    let port: Int
    let controlPort: Int
    let child: ChildProcess
    let dir: TempDirectory

    private init(port: Int, controlPort: Int, child: ChildProcess, dir: TempDirectory) {
        self.port = port
        self.controlPort = controlPort
        self.child = child
        self.dir = dir
    }

    /// `tls`: certificate, key and optionally the CA that client certificates must chain to.
    static func start(in dir: TempDirectory, tls: [String] = []) async throws -> KubeAPIServer {
        let script = try dir.write("kube_api.py", KubeAPIScript.source)
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-u", script, "0", "0"] + tls,
                                     stdoutPath: dir.file("kube-api.out"), stderrPath: dir.file("kube-api.err"))
        var ports: (Int, Int)?
        _ = await eventually(timeout: .seconds(10), interval: .milliseconds(20)) {
            let words = child.stdout.split(separator: "\n").first?.split(separator: " ") ?? []
            if words.count == 4, words[0] == "PORT", let api = Int(words[1]), let control = Int(words[3]) {
                ports = (api, control)
                return true
            }
            return !child.isRunning
        }
        guard let ports else {
            await child.kill()
            throw HarnessError("Kubernetes API test server did not start: \(child.stderrTail())")
        }
        return KubeAPIServer(port: ports.0, controlPort: ports.1, child: child, dir: dir)
    }

    /// A kubeconfig pointing at this server over plain http, with a bearer token when given.
    func writeKubeconfig(token: String? = nil, name: String = "kubeconfig") throws -> String {
        try dir.write(name, """
        apiVersion: v1
        kind: Config
        current-context: test
        contexts:
          - name: test
            context: { cluster: api, user: apus }
        clusters:
          - name: api
            cluster: { server: "http://127.0.0.1:\(port)" }
        users:
          - name: apus
            user: {\(token.map { " token: \"\($0)\" " } ?? "")}
        """)
    }

    @discardableResult
    private func control(_ method: String, _ path: String, _ body: Any? = nil) async throws -> Any {
        let bytes = try body.map { try Array(JSONSerialization.data(withJSONObject: $0)) } ?? []
        let response = try await HTTPClient.request(port: controlPort, method: method, path: path, body: bytes, timeout: .seconds(60))
        guard response.status == 200 else { throw HarnessError("API test server \(method) \(path): \(response.status) \(response.bodyText)") }
        return try JSONSerialization.jsonObject(with: Data(response.body))
    }

    /// Creates or replaces objects (ADDED or MODIFIED events, one resourceVersion each).
    func apply(_ objects: [[String: Any]]) async throws { try await control("POST", "/objects", objects) }
    func apply(_ object: [String: Any]) async throws { try await apply([object]) }

    /// Deletes one object (a DELETED event); `namespace` nil for cluster-scoped kinds.
    func delete(_ kind: String, _ namespace: String?, _ name: String) async throws {
        try await control("DELETE", "/objects/\(kind)/\(namespace ?? "-")/\(name)")
    }

    /// Closes the API listener and every open connection (watches end abruptly); objects are kept.
    func stopListening() async throws { try await control("POST", "/stop") }
    /// Listens again on the same port.
    func startListening() async throws { try await control("POST", "/start") }
    /// Compacts: watches resuming from older resourceVersions get 410, open watches an ERROR 410 event.
    func expire() async throws { try await control("POST", "/expire") }
    func forbid(verb: String, resource: String) async throws { try await control("POST", "/forbid", ["verb": verb, "resource": resource]) }
    func allowAll() async throws { try await control("POST", "/allow") }
    func requireToken(_ token: String?) async throws { try await control("POST", "/token", ["token": token as Any]) }

    /// Requests the API saw: method, path (with query), and whether a bearer token came along.
    func requests() async throws -> [(method: String, path: String)] {
        let list = try await control("GET", "/requests") as? [[String: Any]] ?? []
        return list.map { ($0["method"] as? String ?? "", $0["path"] as? String ?? "") }
    }

    /// Open watch streams right now.
    func openWatches() async throws -> Int {
        (try await control("GET", "/state") as? [String: Any])?["watches"] as? Int ?? -1
    }
}

/// Objects as the API takes them, for tests.
enum KubeObject {
    static func ingressClass(_ name: String = "apus", controller: String = "apus.dev/ingress-controller") -> [String: Any] {
        ["apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": ["name": name], "spec": ["controller": controller]]
    }

    /// A `kubernetes.io/tls` Secret holding a test certificate and its key.
    static func tlsSecret(_ name: String, namespace: String = "demo", _ pair: TLSTestCertificates.Pair) throws -> [String: Any] {
        let (cert, key) = (try String(contentsOfFile: pair.cert, encoding: .utf8), try String(contentsOfFile: pair.key, encoding: .utf8))
        return ["apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls", "metadata": ["name": name, "namespace": namespace],
                "data": ["tls.crt": Data(cert.utf8).base64EncodedString(), "tls.key": Data(key.utf8).base64EncodedString()]]
    }

    /// `ingress` with a TLS section naming `hosts` and `secret`.
    static func withTLS(_ ingress: [String: Any], hosts: [String], secret: String) -> [String: Any] {
        var ingress = ingress
        var spec = ingress["spec"] as? [String: Any] ?? [:]
        spec["tls"] = [["hosts": hosts, "secretName": secret]]
        ingress["spec"] = spec
        return ingress
    }

    /// An Ingress of class apus with one rule on `host`; `paths` are (path, pathType, service, port name).
    static func ingress(_ name: String, namespace: String = "demo", host: String, paths: [(String, String, String, String)],
                        annotations: [String: String] = [:]) -> [String: Any] {
        let entries: [[String: Any]] = paths.map { path, type, service, port in
            ["path": path, "pathType": type, "backend": ["service": ["name": service, "port": ["name": port]]]]
        }
        var metadata: [String: Any] = ["name": name, "namespace": namespace]
        if !annotations.isEmpty { metadata["annotations"] = annotations }
        return ["apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata,
                "spec": ["ingressClassName": "apus", "rules": [["host": host, "http": ["paths": entries]]]]]
    }

    static func service(_ name: String, namespace: String = "demo") -> [String: Any] {
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": name, "namespace": namespace],
         "spec": ["type": "ClusterIP", "ports": [["name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080]]]]
    }

    static func namespace(_ name: String) -> [String: Any] {
        ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": name]]
    }

    /// One EndpointSlice per backend (each backend listens on its own port, on 127.0.0.1 unless
    /// it runs in a network namespace: a real API server refuses loopback endpoints).
    static func endpointSlice(_ name: String, namespace: String = "demo", service: String, address: String = "127.0.0.1",
                              port: Int, ready: Bool = true) -> [String: Any] {
        ["apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": ["name": name, "namespace": namespace, "labels": ["kubernetes.io/service-name": service]],
         "addressType": "IPv4",
         "ports": [["name": "http", "port": port, "protocol": "TCP"]],
         "endpoints": [["addresses": [address], "conditions": ["ready": ready, "serving": ready, "terminating": false]]]]
    }
}

extension Scenario {
    /// Starts the Kubernetes API test server.
    func kubeAPI(tls: [String] = []) async throws -> KubeAPIServer {
        let server = try await KubeAPIServer.start(in: dir, tls: tls)
        track(server.child)
        return server
    }
}
