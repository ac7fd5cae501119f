import ApusCore
import ApusKubernetes

/// The options `controller`, `validate` and `migrate` share about how Ingresses are
/// translated: the class served, the default backend, error statuses, HSTS and balancing.
enum TranslationOptionReader {
    static let valued: Set<String> = ["ingress-class", "controller-name", "watch-namespace", "default-backend-service", "custom-http-errors", "hsts", "load-balance", "limit-req-status-code", "limit-conn-status-code"]

    /// The options, or the message that says which one is wrong.
    static func read(_ options: OptionReader, defaultClass: String) -> Result<IngressTranslationOptions, OptionError> {
        var translation = IngressTranslationOptions(
            ingressClass: options.last("ingress-class") ?? defaultClass,
            controllerName: options.last("controller-name") ?? IngressTranslationOptions.defaultControllerName,
            watchNamespace: options.last("watch-namespace"))
        if let service = options.last("default-backend-service") {
            guard let key = objectKey(service) else {
                return .failure(OptionError("--default-backend-service wants NAMESPACE/NAME, got '\(service)'"))
            }
            translation.defaultBackendService = key
        }
        if let list = options.last("custom-http-errors") {
            for item in list.split(separator: ",") {
                guard let status = Int(item.trimmingOptionalWhitespace()), ErrorBackendConfig.statusRange.contains(status) else {
                    return .failure(OptionError("--custom-http-errors wants statuses from 400 to 599 separated by commas, got '\(item)'"))
                }
                translation.customHTTPErrors.append(status)
            }
        }
        if let value = options.last("hsts"), value != "off" {
            switch HSTSConfig.parse(headerValue: value) {
            case .success(let hsts): translation.hsts = hsts
            case .failure(let error): return .failure(OptionError("--hsts wants a Strict-Transport-Security value or off: \(error.message)"))
            }
        }
        if let value = options.last("load-balance") {
            guard let policy = BalancePolicy(rawValue: value) else {
                return .failure(OptionError("--load-balance wants \(BalancePolicy.allCases.map(\.rawValue).joined(separator: ", ")), got '\(value)'"))
            }
            translation.defaultBalance = policy
        }
        for (name, keyPath) in [("limit-req-status-code", \IngressTranslationOptions.rateLimitStatus),
                                ("limit-conn-status-code", \IngressTranslationOptions.connectionLimitStatus)] {
            guard let value = options.last(name) else { continue }
            guard let status = Int(value), (400...599).contains(status) else {
                return .failure(OptionError("--\(name) wants a status from 400 to 599, got '\(value)'"))
            }
            translation[keyPath: keyPath] = status
        }
        return .success(translation)
    }

    /// `NAMESPACE/NAME`, both parts present.
    static func objectKey(_ text: String) -> ObjectKey? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return ObjectKey(namespace: String(parts[0]), name: String(parts[1]))
    }

    struct OptionError: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }
}
