extension ObjectDecoder {
    static func ingress(_ reader: FieldReader, _ metadata: ObjectMeta) throws(ObjectDecodingError) -> Ingress {
        var ingress = Ingress(metadata: metadata)
        if let spec = try reader.map("spec") {
            ingress.ingressClassName = try spec.string("ingressClassName")
            if let backend = try spec.map("defaultBackend") { ingress.defaultBackend = try self.backend(backend) }
            for rule in try spec.list("rules") {
                _ = try rule.requireMap()
                var paths: [IngressPath] = []
                for item in try rule.map("http")?.list("paths") ?? [] {
                    _ = try item.requireMap()
                    let typeText = try item.requiredString("pathType")
                    guard let type = IngressPath.PathType(rawValue: typeText) else {
                        throw item.failure("pathType", "'\(typeText)' is not Exact, Prefix or ImplementationSpecific")
                    }
                    guard let backend = try item.map("backend") else { throw item.failure("backend", "is required") }
                    paths.append(IngressPath(path: try item.string("path"), pathType: type, backend: try self.backend(backend)))
                }
                let host = try rule.string("host")
                ingress.rules.append(IngressRule(host: host?.isEmpty == true ? nil : host, paths: paths))
            }
            for item in try spec.list("tls") {
                _ = try item.requireMap()
                var hosts: [String] = []
                for host in try item.list("hosts") { hosts.append(try host.scalarText()) }
                ingress.tls.append(IngressTLS(hosts: hosts, secretName: try item.string("secretName")))
            }
        }
        for item in try reader.map("status")?.map("loadBalancer")?.list("ingress") ?? [] {
            _ = try item.requireMap()
            ingress.loadBalancer.append(LoadBalancerIngress(ip: try item.string("ip"), hostname: try item.string("hostname")))
        }
        return ingress
    }

    private static func backend(_ reader: FieldReader) throws(ObjectDecodingError) -> IngressBackend {
        if let service = try reader.map("service") {
            let name = try service.requiredString("name")
            guard let port = try service.map("port") else { throw service.failure("port", "is required") }
            if let number = try port.int("number") { return .service(name: name, port: .number(number)) }
            if let portName = try port.string("name"), !portName.isEmpty { return .service(name: name, port: .name(portName)) }
            throw port.failure(nil, "needs a number or a name")
        }
        if let resource = try reader.map("resource") {
            return .resource(apiGroup: try resource.string("apiGroup"), kind: try resource.requiredString("kind"), name: try resource.requiredString("name"))
        }
        throw reader.failure(nil, "needs a service or a resource")
    }
}
