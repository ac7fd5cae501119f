/// A host's client-certificate policy as workers use it (see `ClientCertificateConfig`):
/// the handshake side is built from `config` by the TLS catalog; this decides per request.
/// Immutable, shared by workers.
public final class CompiledClientCertificates: Sendable {
    public let config: ClientCertificateConfig
    /// The host the policy belongs to, as the TLS catalog keys its handshake side: a
    /// connection whose handshake used another host's policy (or none) is misdirected.
    public let host: String
    /// `config.digest(host:)`: the session id context of handshakes made under this policy.
    public let digest: [UInt8]
    private let subjectPattern: CompiledPattern?
    /// `match_cn` was given (a pattern that failed to compile then matches nothing).
    private let matchesSubject: Bool

    /// `config` passed `RouteTableCompiler.clientCertificateProblems`.
    init(config: ClientCertificateConfig, host: String) {
        self.config = config
        self.host = host
        digest = config.digest(host: host)
        subjectPattern = config.matchCN.flatMap { try? CompiledPattern($0, flavor: .search) }
        matchesSubject = config.matchCN != nil
    }

    /// Whether the subject DN satisfies `match_cn` (true without one). `scratch` must not be
    /// the one holding a route match's captures.
    public func subjectMatches(_ subject: UnsafeRawBufferPointer, scratch: MatchScratch) -> Bool {
        guard matchesSubject else { return true }
        guard let subjectPattern else { return false }
        return scratch.matches(subjectPattern, subject)
    }
}
