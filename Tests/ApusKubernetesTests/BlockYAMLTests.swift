import ApusKubernetes
import Foundation
import Testing

/// `ObjectTree.blockYAML`, which `apus migrate --kubeconfig` writes objects from the API
/// in: read back, every object is the same tree, and the lines are laid out as
/// `IngressClassRewrite` expects.
@Suite struct BlockYAMLTests {
    @Test(arguments: ["list-ingresses.json", "list-endpointslices.json", "list-ingressclasses.json", "get-secret-demo-tls.json"])
    func objectsFromTheAPIReadBackTheSame(sample: String) throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(KubeFixture.samples)/\(sample)")))
        let tree = try ObjectTree.parseJSON(bytes)
        var objects = [tree]
        if case .list(let items)? = tree["items"] { objects = items }
        #expect(!objects.isEmpty)
        for object in objects {
            let documents = try ObjectTree.parseYAMLDocuments(object.blockYAML)
            #expect(documents.count == 1)
            #expect(documents.first?.tree == object, "\(object.blockYAML)")
        }
    }

    @Test func oddKeysAndValuesAreQuoted() throws {
        let object = ObjectTree.map([
            "metadata": .map(["annotations": .map([
                "nginx.ingress.kubernetes.io/configuration-snippet": .scalar("more_set_headers \"X-A: b\";\n\tmore_clear_headers Server;", isString: true),
                "on": .scalar("yes", isString: true), "12": .scalar("80", isString: true), "-dash": .scalar("", isString: true),
            ])]),
            "spec": .map(["ingressClassName": .scalar("nginx", isString: true), "rules": .list([.map(["host": .scalar("a.test", isString: true)])]),
                          "tls": .list([]), "defaultBackend": .null, "port": .scalar("80", isString: false)]),
        ])
        let text = object.blockYAML
        #expect(try ObjectTree.parseYAMLDocuments(text).first?.tree == object, "\(text)")
        #expect(text.contains("\nspec:\n  defaultBackend: null\n  ingressClassName: \"nginx\"\n  port: 80\n  rules:\n    - host: \"a.test\"\n  tls: []\n"), "\(text)")
        let moved = IngressClassRewrite.rewrite("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: a\n" + text.split(separator: "\n").drop { !$0.hasPrefix("spec:") }.joined(separator: "\n"), to: "apus") { _, _ in true }
        #expect(moved.contains("  ingressClassName: apus\n"), "\(moved)")
    }
}
