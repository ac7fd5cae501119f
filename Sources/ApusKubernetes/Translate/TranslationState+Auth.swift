import ApusCore

extension TranslationState {
    /// The basic-auth users an Ingress's annotations name, from an Opaque Secret of its own
    /// namespace. A Secret that is missing, or lacks what the form needs, leaves the paths
    /// answering 503 (as ingress-nginx's denied locations do) until it is fixed: they are
    /// never served without authentication.
    mutating func basicAuth(of ingress: Ingress, _ annotation: IngressAnnotations.BasicAuthAnnotation,
                            secrets: [ObjectKey: OpaqueSecret]) -> BasicAuthConfig {
        let owner = ingress.reference
        let key = ingress.key(naming: annotation.secret)
        let origin = "Secret \(key)"
        func unavailable(_ why: String) -> BasicAuthConfig {
            report(.warning("basic-auth-unavailable", "\(why); its paths answer 503 until it does", at: owner.location), for: owner)
            return BasicAuthConfig(realm: annotation.realm, users: nil, origin: origin, location: owner.location)
        }
        guard key.namespace == ingress.metadata.namespace else {
            return unavailable("the basic-auth Secret \(key) is in another namespace, which is not allowed (as in ingress-nginx); the Secret must be in \(ingress.metadata.namespace)")
        }
        guard let secret = secrets[key] else {
            return unavailable("the basic-auth Secret \(key) does not exist (or is not of type Opaque)")
        }
        let users: String
        if annotation.mapForm {
            // auth-map: one user per key, its hash as the value.
            users = secret.data.keys.sorted().map { "\($0):\(String(decoding: secret.data[$0]!, as: UTF8.self))" }.joined(separator: "\n")
        } else {
            guard let file = secret.data["auth"] else {
                return unavailable("the basic-auth Secret \(key) has no key 'auth' (an htpasswd file; or set auth-secret-type: auth-map)")
            }
            users = String(decoding: file, as: UTF8.self)
        }
        return BasicAuthConfig(realm: annotation.realm, users: users, origin: origin, location: owner.location)
    }
}
