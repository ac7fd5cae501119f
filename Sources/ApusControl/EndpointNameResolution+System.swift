import ApusCore
import ApusNet

extension EndpointNameResolution {
    /// The system's resolver (getaddrinfo; blocking, control plane only).
    public static let systemLookup: SnapshotPipeline.Lookup = { name in
        NameLookup.addresses(of: name).mapError { EndpointLookupFailure(reason: $0.reason) }
    }
}
