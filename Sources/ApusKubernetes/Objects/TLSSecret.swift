/// `v1` Secret of type `kubernetes.io/tls`: only the certificate chain and key are kept,
/// base64-decoded to PEM text.
public struct TLSSecret: Equatable, Sendable {
    public var metadata: ObjectMeta
    public var type: String
    /// `data["tls.crt"]`; nil when absent or not valid base64.
    public var certificatePEM: String?
    /// `data["tls.key"]`.
    public var keyPEM: String?
    /// `data["ca.crt"]`: CAs for client certificates (`auth-tls-secret`).
    public var caPEM: String?

    public init(metadata: ObjectMeta, type: String = TLSSecret.tlsType, certificatePEM: String?, keyPEM: String?) {
        self.metadata = metadata
        self.type = type
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }

    public static let tlsType = "kubernetes.io/tls"

    public var reference: ObjectReference {
        ObjectReference(kind: "Secret", namespace: metadata.namespace, name: metadata.name)
    }
}
