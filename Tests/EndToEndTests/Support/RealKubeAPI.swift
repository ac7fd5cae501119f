import Foundation

/// A real kube-apiserver v1.36.2 and etcd (`../shared/kubernetes/apiserver`, `up DIR`) for one
/// test, on ports of its own, stopped with `down DIR` when the test ends. What it does with a
/// request (status subresource rules, RBAC, defaulting, 410 after a compaction) is what a
/// cluster does; the API test server stays for faults a real server cannot show on demand.
///
/// The test acts as cluster admin through curl with the rig's client certificate; the
/// controller acts as the ServiceAccount of conf/kubernetes/10-rbac.yaml with a token the
/// API server issues (`installController`). Every request is in an audit log (`auditEvents`).
final class RealKubeAPI: Sendable {
    let port: Int
    let etcdPort: Int
    /// Where `up` keeps the rig: bin/ (a link to the shared unpacked binaries), pki/, logs.
    let rig: String
    private let dir: TempDirectory

    /// `$APUS_KUBE_APISERVER_RIG`, else `../shared/kubernetes/apiserver` beside the package.
    static let scripts: String = {
        let override = ProcessInfo.processInfo.environment["APUS_KUBE_APISERVER_RIG"] ?? ""
        return override.isEmpty ? ApusBinary.packageRoot + "/../shared/kubernetes/apiserver" : override
    }()

    /// The binaries are unpacked once per checkout (about 130 MB; every rig links to them).
    static let binaries = ApusBinary.packageRoot + "/.build/kube-apiserver-bin"

    private init(port: Int, etcdPort: Int, rig: String, dir: TempDirectory) {
        self.port = port
        self.etcdPort = etcdPort
        self.rig = rig
        self.dir = dir
    }

    static func start(in dir: TempDirectory) async throws -> RealKubeAPI {
        guard FileManager.default.isExecutableFile(atPath: scripts + "/up") else {
            throw HarnessError("no real API server at \(scripts) (want ../shared/kubernetes/apiserver beside the package, or APUS_KUBE_APISERVER_RIG)")
        }
        let unpack = """
        mkdir -p "$2" && exec 9>"$2.lock" && flock 9 && for b in etcd kube-apiserver; do
          if [ ! -x "$2/$b" ] || [ "$1/$b.zst" -nt "$2/$b" ]; then
            zstd -dq --long=27 -c "$1/$b.zst" > "$2/$b.tmp" && chmod +x "$2/$b.tmp" && mv "$2/$b.tmp" "$2/$b" || exit 1
          fi
        done
        """
        let unpacked = try await Tool.run("/bin/bash", ["-c", unpack, "unpack", scripts, binaries], in: dir, timeout: .seconds(120))
        guard unpacked.succeeded else { throw HarnessError("unpacking kube-apiserver and etcd failed (zstd installed?): \(unpacked.stderr)") }
        let rig = dir.file("rig")
        try FileManager.default.createDirectory(atPath: rig, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: rig + "/bin", withDestinationPath: binaries)
        let policy = try dir.write("rig/audit-policy.yaml", """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: [RequestReceived]
        rules:
          - level: Metadata
        """)
        let (port, etcdPort, peerPort) = (try PortAllocator.freePort(), try PortAllocator.freePort(), try PortAllocator.freePort())
        let environment = [
            "RIG_API_PORT": String(port), "RIG_ETCD_PORT": String(etcdPort), "RIG_ETCD_PEER_PORT": String(peerPort),
            "RIG_APISERVER_EXTRA_ARGS": "--audit-log-path=\(rig)/audit.log --audit-policy-file=\(policy)",
        ]
        let api = RealKubeAPI(port: port, etcdPort: etcdPort, rig: rig, dir: dir)
        let started = try await runLeavingDaemons([scripts + "/up", rig], name: "rig-up", environment: environment, in: dir)
        guard started.succeeded else {
            await api.stop()
            throw HarnessError("the real API server did not start: \(started.stderr.suffix(2000))")
        }
        return api
    }

    /// Runs a program that leaves daemons behind, through Python, whose subprocess closes
    /// every inherited descriptor but 0-2: the daemons would otherwise hold Foundation's
    /// exit-notification descriptor, and the program would never be seen to end.
    private static func runLeavingDaemons(_ command: [String], name: String, environment: [String: String] = [:],
                                          in dir: TempDirectory) async throws -> Tool.Output {
        let closingDescriptors = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", closingDescriptors] + command,
                                     stdoutPath: dir.file("\(name).out"), stderrPath: dir.file("\(name).err"), environment: environment)
        let exit = await child.waitForExit(timeout: .seconds(180))
        if exit == nil { await child.kill() }
        return Tool.Output(exit: exit, stdout: child.stdout, stderr: child.stderr)
    }

    /// Compacts etcd's history up to its current revision (through etcd's own HTTP gateway),
    /// then kills kube-apiserver (as a crash or a lost node would: on SIGTERM it holds open
    /// watches for another minute) and starts it again with the same flags: every open watch
    /// is cut, the new watch cache starts at the current revision, and a client resuming from
    /// a resourceVersion it read before gets `410 Gone`. Returns the compacted revision.
    @discardableResult
    func compactAndRestart() async throws -> Int {
        let range = try await Curl.run(["-X", "POST", "http://127.0.0.1:\(etcdPort)/v3/kv/range", "--data-binary", #"{"key":"AA==","limit":1,"keys_only":true}"#], in: dir)
        let header = ((try? JSONSerialization.jsonObject(with: range.body)) as? [String: Any])?["header"] as? [String: Any]
        guard let revision = (header?["revision"] as? String).flatMap({ Int($0) }) else { throw HarnessError("etcd revision unreadable: \(range.bodyText)") }
        let compacted = try await Curl.run(["-X", "POST", "http://127.0.0.1:\(etcdPort)/v3/kv/compaction", "--data-binary", #"{"revision":"\#(revision)","physical":true}"#], in: dir)
        guard compacted.status == 200 else { throw HarnessError("etcd compaction at \(revision) failed: \(compacted.bodyText)") }
        let restart = #"""
        set -euo pipefail
        rig=$1; port=$2
        read -r pid _ < "$rig/run/kube-apiserver.pid"
        mapfile -d '' command < "/proc/$pid/cmdline"
        kill -KILL "$pid"
        # Until its listener is gone: a killed process's leader turns zombie while its other
        # threads still hold the descriptors, so the zombie state alone is not enough.
        for _ in $(seq 1 300); do
          ss -Hltn "sport = :$port" 2>/dev/null | grep -q . || break
          sleep 0.1
        done
        setsid bash -c 'echo $$ > "$0"; exec "$@"' "$rig/run/kube-apiserver.pid.tmp" "${command[@]}" >>"$rig/kube-apiserver.log" 2>&1 </dev/null &
        for _ in $(seq 1 50); do [ -s "$rig/run/kube-apiserver.pid.tmp" ] && break; sleep 0.1; done
        new=$(cat "$rig/run/kube-apiserver.pid.tmp")
        echo "$new $(sed -E 's/^[0-9]+ \(.*\) //' "/proc/$new/stat" | awk '{print $20}')" > "$rig/run/kube-apiserver.pid"
        rm -f "$rig/run/kube-apiserver.pid.tmp"
        for _ in $(seq 1 300); do
          [ "$(curl -sS -m 3 --cacert "$rig/pki/ca.crt" --cert "$rig/pki/admin.crt" --key "$rig/pki/admin.key" "https://127.0.0.1:$port/readyz" 2>/dev/null)" = ok ] && exit 0
          sleep 0.2
        done
        echo "kube-apiserver not ready again" >&2; exit 1
        """#
        let restarted = try await Self.runLeavingDaemons(["/bin/bash", "-c", restart, "restart", rig, String(port)], name: "rig-restart", in: dir)
        guard restarted.succeeded else { throw HarnessError("restarting kube-apiserver failed: \(restarted.stderr)") }
        return revision
    }

    func stop() async {
        _ = try? await Tool.run(Self.scripts + "/down", [rig], in: dir, timeout: .seconds(60))
    }

    // MARK: Admin requests (system:masters client certificate)

    struct Answer: Sendable {
        var status: Int
        var text: String
        var object: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }
    }

    func request(_ method: String, _ path: String, body: String? = nil, contentType: String = "application/json") async throws -> Answer {
        var arguments = ["--cacert", rig + "/pki/ca.crt", "--cert", rig + "/pki/admin.crt", "--key", rig + "/pki/admin.key",
                         "-X", method, "https://127.0.0.1:\(port)\(path)"]
        if let body {
            let file = try dir.write("rig-request-\(UUID().uuidString).body", body)
            arguments += ["-H", "Content-Type: \(contentType)", "--data-binary", "@" + file]
        }
        let result = try await Curl.run(arguments, in: dir)
        guard result.exitCode == 0 else { throw HarnessError("\(method) \(path) on the real API server: \(result)") }
        return Answer(status: result.status, text: result.bodyText)
    }

    /// Fails the test unless the API answered 2xx.
    @discardableResult
    func must(_ method: String, _ path: String, body: String? = nil, contentType: String = "application/json") async throws -> [String: Any] {
        let answer = try await request(method, path, body: body, contentType: contentType)
        guard (200..<300).contains(answer.status), let object = answer.object else {
            throw HarnessError("\(method) \(path): \(answer.status) \(answer.text.prefix(600))")
        }
        return object
    }

    func get(_ path: String) async throws -> [String: Any]? {
        let answer = try await request("GET", path)
        return answer.status == 200 ? answer.object : nil
    }

    /// Creates `object`.
    func create(_ object: [String: Any]) async throws {
        let path = try KubePath.collection(of: object)
        try await must("POST", path, body: String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
    }

    func create(_ objects: [[String: Any]]) async throws {
        for object in objects { try await create(object) }
    }

    /// Replaces the stored object with `object` as a whole (`kubectl replace`), at its current version.
    func replace(_ object: [String: Any]) async throws {
        let path = try KubePath.object(of: object)
        let current = try await must("GET", path)
        var next = object
        var metadata = next["metadata"] as? [String: Any] ?? [:]
        metadata["resourceVersion"] = (current["metadata"] as? [String: Any])?["resourceVersion"]
        next["metadata"] = metadata
        try await must("PUT", path, body: String(decoding: try JSONSerialization.data(withJSONObject: next), as: UTF8.self))
    }

    /// A JSON merge patch of the object at `path`.
    @discardableResult
    func patch(_ path: String, _ patch: [String: Any]) async throws -> [String: Any] {
        try await must("PATCH", path, body: String(decoding: try JSONSerialization.data(withJSONObject: patch), as: UTF8.self),
                       contentType: "application/merge-patch+json")
    }

    func delete(_ path: String) async throws { try await must("DELETE", path) }

    /// Creates every object of a multi-document YAML manifest, sent as YAML (the server parses it).
    func createManifest(_ file: String) async throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        for document in text.components(separatedBy: "\n---\n") where document.contains("kind:") {
            let path = try KubePath.collection(ofYAML: document)
            try await must("POST", path, body: document, contentType: "application/yaml")
        }
    }

    // MARK: The controller's identity

    /// Applies the install manifests' namespace, RBAC and IngressClass, asks the API for a
    /// token of the `apus` ServiceAccount, and writes a kubeconfig with it: the controller
    /// then has exactly the permissions a cluster install gives it.
    func installController() async throws -> String {
        let manifests = ApusBinary.packageRoot + "/conf/kubernetes/"
        for file in ["00-namespace.yaml", "10-rbac.yaml", "20-ingressclass.yaml"] { try await createManifest(manifests + file) }
        let token = try await serviceAccountToken(namespace: "apus-system", name: "apus")
        return try writeKubeconfig(token: token)
    }

    func serviceAccountToken(namespace: String, name: String) async throws -> String {
        let request = #"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"audiences":["https://kubernetes.default.svc"],"expirationSeconds":3600}}"#
        let answer = try await must("POST", "/api/v1/namespaces/\(namespace)/serviceaccounts/\(name)/token", body: request)
        guard let token = (answer["status"] as? [String: Any])?["token"] as? String, !token.isEmpty else {
            throw HarnessError("TokenRequest for \(namespace)/\(name) returned no token")
        }
        return token
    }

    func writeKubeconfig(token: String, name: String = "kubeconfig-apus") throws -> String {
        try dir.write(name, """
        apiVersion: v1
        kind: Config
        current-context: apus
        contexts: [{ name: apus, context: { cluster: real, user: apus } }]
        clusters: [{ name: real, cluster: { server: "https://127.0.0.1:\(port)", certificate-authority: \(rig)/pki/ca.crt } }]
        users: [{ name: apus, user: { token: "\(token)" } }]
        """)
    }

    // MARK: What the server saw

    /// One request as the audit log has it.
    struct AuditEvent: Sendable, CustomStringConvertible {
        var verb: String
        var uri: String
        var user: String
        var userAgent: String
        var code: Int
        var description: String { "\(code) \(verb) \(uri) by \(user) (\(userAgent))" }
    }

    /// Requests from the audit log, oldest first. A watch is there once it started (and again
    /// when it ended); any other request once, complete.
    func auditEvents() -> [AuditEvent] {
        let text = (try? String(contentsOfFile: rig + "/audit.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let event = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  ["ResponseStarted", "ResponseComplete"].contains(event["stage"] as? String ?? "") else { return nil }
            return AuditEvent(verb: event["verb"] as? String ?? "", uri: event["requestURI"] as? String ?? "",
                              user: (event["user"] as? [String: Any])?["username"] as? String ?? "",
                              userAgent: event["userAgent"] as? String ?? "",
                              code: (event["responseStatus"] as? [String: Any])?["code"] as? Int ?? 0)
        }
    }
}

/// API paths of the kinds the tests create.
enum KubePath {
    /// kind → (API prefix, plural, namespaced).
    static let kinds: [String: (prefix: String, plural: String, namespaced: Bool)] = [
        "Namespace": ("/api/v1", "namespaces", false),
        "Service": ("/api/v1", "services", true),
        "Secret": ("/api/v1", "secrets", true),
        "ConfigMap": ("/api/v1", "configmaps", true),
        "ServiceAccount": ("/api/v1", "serviceaccounts", true),
        "Ingress": ("/apis/networking.k8s.io/v1", "ingresses", true),
        "IngressClass": ("/apis/networking.k8s.io/v1", "ingressclasses", false),
        "EndpointSlice": ("/apis/discovery.k8s.io/v1", "endpointslices", true),
        "Lease": ("/apis/coordination.k8s.io/v1", "leases", true),
        "ClusterRole": ("/apis/rbac.authorization.k8s.io/v1", "clusterroles", false),
        "ClusterRoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", false),
        "Role": ("/apis/rbac.authorization.k8s.io/v1", "roles", true),
        "RoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "rolebindings", true),
    ]

    static func collection(kind: String, namespace: String?) throws -> String {
        guard let entry = kinds[kind] else { throw HarnessError("no API path known for kind \(kind)") }
        return entry.namespaced ? "\(entry.prefix)/namespaces/\(namespace ?? "default")/\(entry.plural)" : "\(entry.prefix)/\(entry.plural)"
    }

    static func object(kind: String, namespace: String?, name: String) throws -> String {
        try collection(kind: kind, namespace: namespace) + "/" + name
    }

    static func collection(of object: [String: Any]) throws -> String {
        let metadata = object["metadata"] as? [String: Any]
        return try collection(kind: object["kind"] as? String ?? "", namespace: metadata?["namespace"] as? String)
    }

    static func object(of object: [String: Any]) throws -> String {
        let metadata = object["metadata"] as? [String: Any]
        return try self.object(kind: object["kind"] as? String ?? "", namespace: metadata?["namespace"] as? String,
                               name: metadata?["name"] as? String ?? "")
    }

    /// The collection of a YAML document, from its top-level `kind:` and `metadata.namespace:`.
    static func collection(ofYAML document: String) throws -> String {
        let lines = document.split(separator: "\n")
        let kind = lines.first { $0.hasPrefix("kind:") }.map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) } ?? ""
        let namespace = lines.first { $0.hasPrefix("  namespace:") }.map { $0.dropFirst(12).trimmingCharacters(in: .whitespaces) }
        return try collection(kind: kind, namespace: namespace)
    }
}

extension Scenario {
    /// A real API server for this test, stopped when it ends.
    func realKubeAPI() async throws -> RealKubeAPI {
        let api = try await RealKubeAPI.start(in: dir)
        afterTearDown { await api.stop() }
        return api
    }
}
