extension RouteTableCompiler {
    /// `client_address`: every trusted proxy an address or network, the header a field
    /// name. A mistake is an error (trusting the wrong addresses lets any client choose
    /// its address), and the table then trusts no proxy.
    static func compileClientAddress(_ config: ClientAddressConfig?) -> (ClientAddressPolicy?, [Diagnostic]) {
        guard let config else { return (nil, []) }
        var diagnostics: [Diagnostic] = []
        var ranges: [AddressRange] = []
        for written in config.trustedProxies {
            switch AddressRange.parse(written) {
            case .success(let range): ranges.append(range)
            case .failure(let problem):
                diagnostics.append(.error("invalid-address-range", "client_address trusted_proxies: '\(written)' \(problem.explanation); no proxy is trusted", at: config.location))
            }
        }
        let token = config.header.utf8.allSatisfy { byte in
            (0x21...0x7E).contains(byte) && !"()<>@,;:\\\"/[]?={}".utf8.contains(byte)
        }
        if config.header.isEmpty || !token {
            diagnostics.append(.error("invalid-header-name", "client_address header '\(config.header)' is not a header name; no proxy is trusted", at: config.location))
        }
        if ranges.isEmpty && diagnostics.isEmpty {
            diagnostics.append(.warning("no-trusted-proxies", "client_address trusts no proxy; the connection's peer stays the client", at: config.location))
        }
        guard diagnostics.allSatisfy({ $0.severity != .error }), !ranges.isEmpty else { return (nil, diagnostics) }
        return (ClientAddressPolicy(trustedProxies: ranges, header: config.header), diagnostics)
    }
}
