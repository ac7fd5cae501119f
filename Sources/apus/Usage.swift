import Glibc

let apusVersion = "0.1.0"

let usage = """
    usage: apus <command> [options]

    commands:
      serve --config FILE                     serve a YAML configuration (reloaded on SIGHUP and on change)
      serve --listen ADDR --upstream ADDR...  quick mode: proxy everything to the upstream(s)
            [--workers N|auto] [--admin ADDR] [--access-log combined|json|off]
            [--tls-cert FILE --tls-key FILE]      terminate TLS on the listener
            [--upstream-protocol http/1.1|h2]     h2: HTTP/2 with prior knowledge to the upstream(s)
      validate [--format text|json] FILE...   check configuration files and Kubernetes manifests; exit 1 on any error
            [--ingress-class apus] [--controller-name apus.dev/ingress-controller]
            [--watch-namespace NS] [--config FILE]   for manifests: class served, listeners and limits
            [--default-backend-service NS/NAME] [--custom-http-errors 404,503] [--hsts VALUE]
            [--load-balance round_robin|least_conn|ewma] [--limit-req-status-code 503] [--limit-conn-status-code 503]   as the controller's
      migrate [--format text|json] FILE...    read ingress-nginx manifests: per Ingress each annotation, what differs
                                              and a verdict; the ConfigMap's keys; exit 1 if any cannot migrate yet
            [--ingress-class nginx] [--configmap NS/NAME] [--default-backend-service NS/NAME]
            [--write DIR [--to-class apus]]      the Ingresses that can move, in class apus, and the controller config
      migrate --kubeconfig FILE [--watch-namespace NS] [options above]   the same, read from a cluster
      controller [--config FILE]              Kubernetes ingress controller (listeners, admin, limits from FILE,
                                              reloaded on SIGHUP and on change; routes from Ingresses);
                                              without FILE: http on :80, admin on :10254
            [--kubeconfig FILE]                   else $KUBECONFIG, else the in-cluster service account
            [--ingress-class apus] [--controller-name apus.dev/ingress-controller] [--watch-namespace NS]
            [--default-backend-service NS/NAME]   answers what no rule matches, and Ingresses' errors
            [--custom-http-errors 404,503]        statuses every Ingress's error backend serves
            [--hsts 'max-age=31536000; includeSubDomains'|off]   HSTS on HTTPS answers of the hosts of TLS sections
            [--load-balance round_robin|least_conn|ewma]   for Ingresses without the load-balance annotation
            [--limit-req-status-code 503] [--limit-conn-status-code 503]   the answer over limit-rps/rpm and limit-connections
            [--publish-service NS/NAME | --publish-address ADDR[,ADDR]]
            [--election-namespace NS] [--election-id NAME]
            [--list-page-size 500] [--coalesce-ms 50]
      version                                 print the version

    common options:
      --log-level debug|info|warn|error
    """

func printError(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    bytes.withUnsafeMutableBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// Minimal `--name value` option reader: the commands have few options, and a parser
/// dependency would add a minute to every clean build on two cores.
struct OptionReader {
    private(set) var values: [String: [String]] = [:]
    private(set) var positional: [String] = []
    private(set) var error: String?

    init(_ arguments: [String], valued: Set<String>) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("--") {
                var name = String(argument.dropFirst(2))
                var value: String?
                if let equals = name.firstIndex(of: "=") {
                    value = String(name[name.index(after: equals)...])
                    name = String(name[..<equals])
                }
                guard valued.contains(name) else {
                    error = "unknown option --\(name)"
                    return
                }
                if value == nil {
                    index += 1
                    guard index < arguments.count else {
                        error = "option --\(name) needs a value"
                        return
                    }
                    value = arguments[index]
                }
                values[name, default: []].append(value!)
            } else {
                positional.append(argument)
            }
            index += 1
        }
    }

    func last(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// For the commands that read files and print `--format text|json` (validate,
    /// migrate): the format, or nil once what is wrong with the arguments was printed.
    func fileCommandFormat(_ command: String, needsFiles: Bool = true) -> String? {
        if let error {
            printError("apus \(command): \(error)")
            return nil
        }
        let format = last("format") ?? "text"
        guard format == "text" || format == "json" else {
            printError("apus \(command): --format must be text or json")
            return nil
        }
        guard !positional.isEmpty || !needsFiles else {
            printError("apus \(command): no file given\n\n\(usage)")
            return nil
        }
        return format
    }
}
