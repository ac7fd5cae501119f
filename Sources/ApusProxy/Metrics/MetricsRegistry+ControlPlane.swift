import ApusControl
import ApusNet

/// What the control plane reports: certificate expiry per published table, and the
/// controller's timings.
extension MetricsRegistry {
    /// One certificate and one name it covers (ingress-nginx's series are per host).
    struct CertificateExpiry {
        /// The certificate file, or the Secret as `secret namespace/name`.
        var certificate: String
        var host: String
        var notAfterUnixSeconds: Int
    }

    /// Replaces the certificate series with those of the catalog being published.
    public func recordCertificates(_ catalog: TLSCatalog) {
        var seen = Set<String>()
        var list: [CertificateExpiry] = []
        for set in catalog.servers.values {
            for certificate in set.certificates where seen.insert(certificate.source).inserted {
                guard let notAfter = certificate.notAfterUnixSeconds else { continue }
                for host in certificate.names.isEmpty ? [""] : certificate.names {
                    list.append(CertificateExpiry(certificate: certificate.source, host: host, notAfterUnixSeconds: notAfter))
                }
            }
        }
        list.sort { ($0.certificate, $0.host) < ($1.certificate, $1.host) }
        totals.withLock { $0.certificates = list }
    }

    /// A controller build: `build` from taking the batch of changes to the compiled table,
    /// `sinceChange` from the batch's first change to the table's publication.
    public func recordControllerSync(buildMilliseconds: UInt64, sinceChangeMilliseconds: UInt64) {
        totals.withLock { t in
            t.controllerSync.observe(milliseconds: buildMilliseconds)
            t.controllerPublish.observe(milliseconds: sinceChangeMilliseconds)
        }
    }

    /// Whether this replica holds the Lease that elects who writes Ingress status.
    public func recordLeadership(lease: String, leading: Bool) {
        totals.withLock { $0.leadership = (lease, leading) }
    }

    func renderLeadership(_ leadership: (lease: String, leading: Bool)?, into out: inout String) {
        guard let leadership else { return }
        out += "# HELP apus_leader_election_status Whether this replica leads (1) or follows (0) the election of who writes Ingress status, by Lease.\n"
        out += "# TYPE apus_leader_election_status gauge\n"
        out += "apus_leader_election_status{name=\"\(Self.escape(leadership.lease))\"} \(leadership.leading ? 1 : 0)\n"
    }

    func renderCertificates(_ certificates: [CertificateExpiry], into out: inout String) {
        out += "# HELP apus_ssl_certificate_expiry_seconds When a served certificate expires (notAfter, Unix seconds), by certificate and the name it covers.\n"
        out += "# TYPE apus_ssl_certificate_expiry_seconds gauge\n"
        for entry in certificates {
            out += "apus_ssl_certificate_expiry_seconds{certificate=\"\(Self.escape(entry.certificate))\",host=\"\(Self.escape(entry.host))\"} \(entry.notAfterUnixSeconds)\n"
        }
    }
}
