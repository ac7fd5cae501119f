import ApusCore
import ApusNet

extension EndpointNameResolution {
    /// Resolves with the system's resolver (getaddrinfo; blocking, control plane only).
    public static func resolve(_ configuration: Configuration) -> (Configuration, [Diagnostic]) {
        resolve(configuration) { name in
            NameLookup.addresses(of: name).mapError { EndpointLookupFailure(reason: $0.reason) }
        }
    }
}
