/// Loads server certificates held in memory (Kubernetes Secrets) once per build of a
/// snapshot: the Ingress translation loads each Secret to judge it, and the TLS catalog
/// then takes the same loaded certificate instead of parsing the PEM a second time.
///
/// Thread rule: one control-plane build at a time; not shared between threads.
public final class ServerCertificateLoader {
    private struct Key: Hashable {
        let chain: String
        let key: String
    }

    private var loaded: [Key: Result<TLSServerCertificate, TLSError>] = [:]
    private let ticketLifetimeSeconds: Int

    /// Session tickets stay valid this long; their keys rotate at the same period.
    public static let defaultTicketLifetimeSeconds = 3600

    public init(ticketLifetimeSeconds: Int = ServerCertificateLoader.defaultTicketLifetimeSeconds) {
        self.ticketLifetimeSeconds = ticketLifetimeSeconds
    }

    /// The certificate for a chain and key in PEM text; `name` says where they came from
    /// in errors (of the first load, which a later one with the same text repeats).
    public func load(chainPEM: String, keyPEM: String, name: String) -> Result<TLSServerCertificate, TLSError> {
        let key = Key(chain: chainPEM, key: keyPEM)
        if let known = loaded[key] { return known }
        let result: Result<TLSServerCertificate, TLSError>
        do {
            result = .success(try TLSServerCertificate(
                certificatePEM: chainPEM, keyPEM: keyPEM, name: name, ticketLifetimeSeconds: ticketLifetimeSeconds))
        } catch {
            result = .failure(error)
        }
        loaded[key] = result
        return result
    }

    /// Loads from files; not remembered (a file's content may change between two builds,
    /// and each file is read once per build anyway).
    public func load(certificateFile: String, keyFile: String) throws(TLSError) -> TLSServerCertificate {
        try TLSServerCertificate(certificateFile: certificateFile, keyFile: keyFile, ticketLifetimeSeconds: ticketLifetimeSeconds)
    }

    /// How many distinct in-memory certificates were loaded (for tests).
    public var loadedCount: Int { loaded.count }
}
