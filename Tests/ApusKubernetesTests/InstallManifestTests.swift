import ApusKubernetes
import Foundation
import Testing

/// conf/kubernetes/, the documented install, read as the API server would: RBAC exactly
/// as `ControllerPermissions` says, and a Deployment that agrees with its own ConfigMap.
@Suite struct InstallManifestTests {
    static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/conf/kubernetes"
    }()

    /// Every document of every manifest file, keyed by `Kind name`.
    static func objects() throws -> [String: ObjectTree] {
        var objects: [String: ObjectTree] = [:]
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
        for file in files {
            let text = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
            for document in try ObjectTree.parseYAMLDocuments(text) {
                let key = "\(document.tree.text("kind") ?? "?") \(document.tree["metadata"]?.text("name") ?? "?")"
                #expect(objects[key] == nil, "\(key) is defined twice")
                objects[key] = document.tree
            }
        }
        return objects
    }

    /// `(verb, resource)` pairs a Role or ClusterRole grants, one per verb.
    static func granted(_ role: ObjectTree?) -> Set<String> {
        var grants = Set<String>()
        for rule in role?["rules"]?.items ?? [] {
            for group in rule["apiGroups"]?.texts ?? [] {
                for resource in rule["resources"]?.texts ?? [] {
                    for verb in rule["verbs"]?.texts ?? [] {
                        grants.insert("\(verb) \(group.isEmpty ? resource : "\(resource).\(group)")")
                    }
                }
            }
            #expect(rule["resourceNames"] == nil && rule["nonResourceURLs"] == nil)
        }
        return grants
    }

    /// The ClusterRole grants exactly the cluster-wide verbs the controller uses, and the
    /// election Role exactly the Lease verbs: nothing missing (a 403 at run time), nothing extra.
    @Test func rbacIsExactlyWhatTheControllerUses() throws {
        let objects = try Self.objects()
        let clusterRole = try #require(objects["ClusterRole apus"])
        let role = try #require(objects["Role apus-leader-election"])
        #expect(Self.granted(clusterRole) == Set(ControllerPermissions.clusterWide.map(\.description)))
        #expect(Self.granted(role) == Set(ControllerPermissions.electionNamespace.map(\.description)))
        // Spelled out once, so that a change to the list is a visible decision too.
        #expect(Self.granted(clusterRole) == [
            "list ingressclasses.networking.k8s.io", "watch ingressclasses.networking.k8s.io",
            "list ingresses.networking.k8s.io", "watch ingresses.networking.k8s.io",
            "patch ingresses/status.networking.k8s.io",
            "list services", "watch services", "get services",
            "list endpointslices.discovery.k8s.io", "watch endpointslices.discovery.k8s.io",
            "list secrets", "watch secrets",
            "list configmaps", "watch configmaps",
        ])
        #expect(Self.granted(role) == ["get leases.coordination.k8s.io", "create leases.coordination.k8s.io", "patch leases.coordination.k8s.io"])

        // Bound to the controller's ServiceAccount, the Role in its own namespace.
        let account = try #require(objects["ServiceAccount apus"])
        let namespace = try #require(account["metadata"]?.text("namespace"))
        #expect(objects["Namespace \(namespace)"] != nil)
        #expect(role["metadata"]?.text("namespace") == namespace)
        for (binding, roleKind, roleName) in [("ClusterRoleBinding apus", "ClusterRole", "apus"), ("RoleBinding apus-leader-election", "Role", "apus-leader-election")] {
            let tree = try #require(objects[binding])
            #expect(tree["roleRef"]?.text("kind") == roleKind && tree["roleRef"]?.text("name") == roleName)
            let subject = try #require(tree["subjects"]?.items.first)
            #expect(subject.text("kind") == "ServiceAccount" && subject.text("name") == "apus" && subject.text("namespace") == namespace)
        }
    }

    /// The paths the permissions stand for are the API server's (the captured samples' requests).
    @Test func resourcePaths() {
        #expect(APIResource.ingresses.collectionPath() == "/apis/networking.k8s.io/v1/ingresses")
        #expect(APIResource.ingresses.objectPath(namespace: "demo", name: "web", subresource: "status") == "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/web/status")
        #expect(APIResource.ingressClasses.collectionPath(namespace: "demo") == "/apis/networking.k8s.io/v1/ingressclasses")
        #expect(APIResource.services.collectionPath(namespace: "demo") == "/api/v1/namespaces/demo/services")
        #expect(APIResource.leases.objectPath(namespace: "apus-system", name: "apus-leader") == "/apis/coordination.k8s.io/v1/namespaces/apus-system/leases/apus-leader")
        #expect(ControllerPermissions.Rule("patch", .ingresses, subresource: "status").description == "patch ingresses/status.networking.k8s.io")
        // The informed kinds come from the informers' table, and match the named resources.
        #expect(ControllerPermissions.informed == [.ingressClasses, .ingresses, .services, .endpointSlices, .secrets, .configMaps])
    }

    /// The IngressClass names the controller's default name, and nothing else makes it the default class.
    @Test func ingressClass() throws {
        let ingressClass = try #require(try Self.objects()["IngressClass apus"])
        #expect(ingressClass["spec"]?.text("controller") == IngressTranslationOptions.defaultControllerName)
    }

    /// The Deployment: 2 replicas, non-root, read-only root, no capabilities, probes on the
    /// ConfigMap's admin port, container ports on its listeners, the Service mapping 80/443
    /// onto them, and a grace period that covers preStop plus the drain timeout.
    @Test func deploymentAgreesWithItsConfig() throws {
        let objects = try Self.objects()
        let deployment = try #require(objects["Deployment apus"])
        let spec = try #require(deployment["spec"])
        #expect(spec.text("replicas") == "2")
        let pod = try #require(spec["template"]?["spec"])
        #expect(pod.text("serviceAccountName") == "apus")
        #expect(pod["securityContext"]?.text("runAsNonRoot") == "true")
        #expect(Int(pod["securityContext"]?.text("runAsUser") ?? "0") ?? 0 > 0)
        let containers = (pod["containers"]?.items ?? []) + (pod["initContainers"]?.items ?? [])
        #expect(containers.count == 2)
        for container in containers {
            let security = container["securityContext"]
            #expect(security?.text("readOnlyRootFilesystem") == "true")
            #expect(security?.text("allowPrivilegeEscalation") == "false")
            #expect(security?["capabilities"]?["drop"]?.texts == ["ALL"])
            #expect(security?["capabilities"]?["add"] == nil, "unprivileged ports need no NET_BIND_SERVICE")
            #expect(container["resources"]?["requests"] != nil && container["resources"]?["limits"] != nil)
        }
        let apus = try #require(pod["containers"]?.items.first)
        #expect(Array((apus["args"]?.texts ?? []).prefix(3)) == ["controller", "--config", "/etc/apus/config/apus.yaml"])
        #expect(apus["env"]?.items.contains { $0.text("name") == "POD_NAME" && $0["valueFrom"]?["fieldRef"]?.text("fieldPath") == "metadata.name" } == true)

        // The controller's configuration, from the ConfigMap mounted at /etc/apus/config.
        let configText = try #require(objects["ConfigMap apus-config"]?["data"]?.text("apus.yaml"))
        let config = try #require(try ObjectTree.parseYAMLDocuments(configText).first?.tree)
        let adminPort = try #require(config["admin"]?.text("listen")?.split(separator: ":").last.map(String.init))
        var ports: [String: String] = [:]
        for port in apus["ports"]?.items ?? [] { ports[port.text("name") ?? "?"] = port.text("containerPort") }
        #expect(ports["admin"] == adminPort)
        #expect(apus["readinessProbe"]?["httpGet"]?.text("path") == "/readyz")
        #expect(apus["livenessProbe"]?["httpGet"]?.text("path") == "/healthz")
        #expect(apus["readinessProbe"]?["httpGet"]?.text("port") == "admin" && apus["livenessProbe"]?["httpGet"]?.text("port") == "admin")
        let listenerPorts = (config["listeners"]?.items ?? []).compactMap { $0.text("listen")?.split(separator: ":").last.map(String.init) }
        #expect(listenerPorts.sorted() == ["8080", "8443"])
        #expect(ports["http"] == "8080" && ports["https"] == "8443")

        // Grace period >= preStop sleep + drain.
        let drain = try #require(config["timeouts"]?.text("drain"))
        let drainSeconds = try #require(Int(drain.dropLast()))
        #expect(drain.hasSuffix("s"))
        let preStop = apus["lifecycle"]?["preStop"]?["exec"]?["command"]?.texts ?? []
        let preStopSeconds = preStop.first == "sleep" ? Int(preStop.last ?? "") ?? 0 : 0
        let grace = try #require(Int(pod.text("terminationGracePeriodSeconds") ?? ""))
        #expect(grace >= preStopSeconds + drainSeconds + 5, "grace \(grace) s vs preStop \(preStopSeconds) s + drain \(drainSeconds) s")

        // The Service maps 80 and 443 onto the named container ports, in front of these pods.
        let service = try #require(objects["Service apus"])
        #expect(service["spec"]?.text("type") == "LoadBalancer")
        let servicePorts = Dictionary(uniqueKeysWithValues: (service["spec"]?["ports"]?.items ?? []).map { ($0.text("port") ?? "?", $0.text("targetPort") ?? "?") })
        #expect(servicePorts == ["80": "http", "443": "https"])
        #expect(service["spec"]?["selector"] == spec["selector"]?["matchLabels"])
        #expect(spec["template"]?["metadata"]?["labels"] == spec["selector"]?["matchLabels"])
        // --publish-service names this Service.
        let args = apus["args"]?.texts ?? []
        let publish = args.firstIndex(of: "--publish-service").map { args[$0 + 1] }
        #expect(publish == "\(service["metadata"]?.text("namespace") ?? "")/\(service["metadata"]?.text("name") ?? "")")
    }
}

extension ObjectTree {
    func text(_ key: String) -> String? {
        if case .scalar(let text, _)? = self[key] { return text }
        return nil
    }

    var items: [ObjectTree] {
        if case .list(let items) = self { return items }
        return []
    }

    var texts: [String] {
        items.compactMap { if case .scalar(let text, _) = $0 { return text } else { return nil } }
    }
}
