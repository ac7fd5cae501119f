import ApusNet
import Foundation

/// Finds the API server and credentials: `--kubeconfig FILE`, else `$KUBECONFIG` (a
/// colon-separated list, merged the way kubectl does: the first file to set a field wins),
/// else the in-cluster service account.
public enum KubeconfigLoader {
    /// Where the kubelet mounts the service account (token, ca.crt, namespace).
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    public static func load(
        kubeconfig: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = serviceAccountDirectory
    ) throws(KubernetesError) -> KubernetesClientConfig {
        if let kubeconfig {
            return try fromFiles([kubeconfig])
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            return try fromFiles(list.split(separator: ":").map(String.init))
        }
        return try inCluster(environment: environment, directory: serviceAccountDirectory)
    }

    /// The pod's service account: `KUBERNETES_SERVICE_HOST`/`_PORT`, its token (re-read
    /// when it rotates) and its CA.
    public static func inCluster(environment: [String: String], directory: String = serviceAccountDirectory) throws(KubernetesError) -> KubernetesClientConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw .configuration("no Kubernetes API configured: pass --kubeconfig FILE or set KUBECONFIG, or run in a pod (KUBERNETES_SERVICE_HOST is not set)")
        }
        let portText = environment["KUBERNETES_SERVICE_PORT"] ?? "443"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw .configuration("KUBERNETES_SERVICE_PORT '\(portText)' is not a port number")
        }
        var config = KubernetesClientConfig(scheme: .https, host: host, port: port, origin: "in-cluster service account")
        let tokenPath = directory + "/token"
        _ = try BearerToken.read(tokenPath)
        config.token = .file(tokenPath)
        let caPath = directory + "/ca.crt"
        guard access(caPath, R_OK) == 0 else {
            throw .configuration("cannot read the service account CA \(caPath): \(String(cString: strerror(errno)))")
        }
        config.caFile = caPath
        if case .success(let namespace) = RegularFile.text(directory + "/namespace", maximumBytes: 4096) {
            config.namespace = namespace.trimmingWhitespace()
        }
        return config
    }

    /// Reads and merges kubeconfig files, then resolves the current context.
    public static func fromFiles(_ paths: [String]) throws(KubernetesError) -> KubernetesClientConfig {
        var files: [(path: String, tree: ObjectTree)] = []
        for path in paths {
            let text: String
            switch RegularFile.text(path, maximumBytes: 16 << 20) {
            case .success(let read):
                text = read
            case .failure(let failure):
                // kubectl skips missing files in a KUBECONFIG list but not an explicit one.
                if paths.count > 1, access(path, F_OK) != 0 { continue }
                throw .configuration("cannot read kubeconfig \(path): \(failure.reason)")
            }
            let documents: [ObjectTree.Document]
            do {
                documents = try ObjectTree.parseYAMLDocuments(text)
            } catch {
                throw .configuration("kubeconfig \(path) \(error.problem)")
            }
            files.append((path, documents.first?.tree ?? .map([:])))
        }
        guard !files.isEmpty else { throw .configuration("none of the kubeconfig files \(paths.joined(separator: ":")) exists") }
        return try resolve(files)
    }

    static func resolve(_ files: [(path: String, tree: ObjectTree)]) throws(KubernetesError) -> KubernetesClientConfig {
        let shown = files.map(\.path).joined(separator: ":")
        guard let contextName = files.lazy.compactMap({ $0.tree["current-context"]?.text }).first(where: { !$0.isEmpty }) else {
            throw .configuration("kubeconfig \(shown) has no current-context")
        }
        guard let (context, _) = named(contextName, in: "contexts", field: "context", files) else {
            throw .configuration("kubeconfig \(shown): current-context '\(contextName)' is not among its contexts")
        }
        guard let clusterName = context["cluster"]?.text else {
            throw .configuration("kubeconfig \(shown): context '\(contextName)' names no cluster")
        }
        guard let (cluster, clusterFile) = named(clusterName, in: "clusters", field: "cluster", files) else {
            throw .configuration("kubeconfig \(shown): cluster '\(clusterName)' of context '\(contextName)' is not defined")
        }
        guard let serverText = cluster["server"]?.text, let (scheme, host, port) = KubernetesClientConfig.parseServer(serverText) else {
            throw .configuration("kubeconfig \(clusterFile): cluster '\(clusterName)' has no usable server URL (want https://host:port or http://host:port, found '\(cluster["server"]?.text ?? "")')")
        }
        var config = KubernetesClientConfig(scheme: scheme, host: host, port: port, origin: "kubeconfig \(shown) (context \(contextName))")
        config.namespace = context["namespace"]?.text
        let clusterBase = directory(of: clusterFile)
        config.caFile = cluster["certificate-authority"]?.text.map { relative($0, to: clusterBase) }
        config.caPEM = try decoded(cluster["certificate-authority-data"], "certificate-authority-data of cluster '\(clusterName)'")
        config.insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"]?.text == "true"
        config.tlsServerName = cluster["tls-server-name"]?.text

        if let userName = context["user"]?.text, !userName.isEmpty {
            guard let (user, userFile) = named(userName, in: "users", field: "user", files) else {
                throw .configuration("kubeconfig \(shown): user '\(userName)' of context '\(contextName)' is not defined")
            }
            let userBase = directory(of: userFile)
            if user["exec"] != nil || user["auth-provider"] != nil {
                throw .configuration("kubeconfig \(userFile): user '\(userName)' authenticates with exec or auth-provider plugins, which apus does not run; use a token, tokenFile or client certificate")
            }
            if user["username"] != nil || user["password"] != nil {
                throw .configuration("kubeconfig \(userFile): user '\(userName)' uses basic authentication, which Kubernetes no longer supports; use a token or client certificate")
            }
            if let token = user["token"]?.text, !token.isEmpty {
                config.token = .fixed(token)
            } else if let tokenFile = user["tokenFile"]?.text {
                let path = relative(tokenFile, to: userBase)
                _ = try BearerToken.read(path)
                config.token = .file(path)
            }
            config.clientCertificateFile = user["client-certificate"]?.text.map { relative($0, to: userBase) }
            config.clientKeyFile = user["client-key"]?.text.map { relative($0, to: userBase) }
            config.clientCertificatePEM = try decoded(user["client-certificate-data"], "client-certificate-data of user '\(userName)'")
            config.clientKeyPEM = try decoded(user["client-key-data"], "client-key-data of user '\(userName)'")
            let hasCertificate = config.clientCertificateFile != nil || config.clientCertificatePEM != nil
            let hasKey = config.clientKeyFile != nil || config.clientKeyPEM != nil
            guard hasCertificate == hasKey else {
                throw .configuration("kubeconfig \(userFile): user '\(userName)' has a client certificate without a key or a key without a certificate")
            }
        }
        if config.scheme == .http, config.clientCertificateFile != nil || config.clientCertificatePEM != nil {
            throw .configuration("kubeconfig \(clusterFile): cluster '\(clusterName)' is plain http://, where a client certificate cannot be presented")
        }
        return config
    }

    /// The entry named `name` of the list `section` (first file first), and the file it is in.
    private static func named(_ name: String, in section: String, field: String, _ files: [(path: String, tree: ObjectTree)]) -> (ObjectTree, String)? {
        for file in files {
            guard case .list(let entries)? = file.tree[section] else { continue }
            for entry in entries where entry["name"]?.text == name {
                return (entry[field] ?? .map([:]), file.path)
            }
        }
        return nil
    }

    private static func decoded(_ tree: ObjectTree?, _ what: String) throws(KubernetesError) -> String? {
        guard let encoded = tree?.text else { return nil }
        guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else {
            throw .configuration("kubeconfig: \(what) is not base64")
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// kubectl resolves relative paths in a kubeconfig against the file's directory.
    private static func relative(_ path: String, to base: String) -> String {
        path.hasPrefix("/") ? path : base + "/" + path
    }
}
