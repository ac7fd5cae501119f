/// Turns a `Configuration` into a `RouteTable`: the only place that decides validity.
///
/// One small function per part (workers, listeners, admin, upstreams, rules, duplicates,
/// hosts) returns its part and its diagnostics; `compile` only assembles them. A bad
/// rule is diagnosed and dropped; its neighbours keep working. Limits, global timeouts
/// and the access log pass through unchanged.
public enum RouteTableCompiler {
    /// - Parameter files: the contents of every `configuration.headerValueFilePaths` file,
    ///   read by the caller (the compiler does no I/O); a path missing here is an error.
    public static func compile(_ configuration: Configuration, files: HeaderValueFiles = HeaderValueFiles()) -> (RouteTable, [Diagnostic]) {
        let (workers, workerDiagnostics) = compileWorkers(configuration.workers, at: configuration.workersLocation)
        let (listeners, listenerDiagnostics) = compileListeners(configuration.listeners)
        let (admin, adminDiagnostics) = compileAdmin(configuration.admin, listeners: listeners)
        let (upstreams, upstreamDiagnostics) = compileUpstreams(configuration.upstreams, defaults: configuration.timeouts)
        var upstreamIndex: [String: Int] = [:]
        for (index, upstream) in upstreams.enumerated() { upstreamIndex[upstream.name] = index }
        let (candidates, ruleDiagnostics) = compileRules(
            configuration.routes, upstreams: upstreamIndex, files: files, compression: configuration.compression)
        let (rules, duplicateDiagnostics) = removeDuplicates(candidates)
        let routes = rules.map(\.route)
        let unusedDiagnostics = unusedUpstreams(configuration.upstreams, routes: configuration.routes)

        let (clientAddress, clientAddressDiagnostics) = compileClientAddress(configuration.clientAddress)
        let (errorPages, errorPageDiagnostics) = compileErrorPages(configuration.errorPages)
        let table = RouteTable(
            workers: workers, admin: admin, listeners: listeners, upstreams: upstreams, routes: routes,
            hosts: buildHostIndex(rules), limits: configuration.limits, timeouts: configuration.timeouts,
            accessLog: configuration.accessLog, idleNaps: configuration.idleNaps, clientAddress: clientAddress,
            errorPages: errorPages, http2: configuration.http2)
        let diagnostics = workerDiagnostics + listenerDiagnostics + adminDiagnostics + upstreamDiagnostics
            + ruleDiagnostics + duplicateDiagnostics + unusedDiagnostics + clientAddressDiagnostics + errorPageDiagnostics
            + externalAuthTargets(table)
        return (table, diagnostics)
    }
}

extension RouteTableCompiler {
    /// The operator's error pages: one per status, for statuses Apus answers with (400 to
    /// 599); a page for another status, or a second one, is an error and left out.
    static func compileErrorPages(_ pages: [ErrorPageConfig]) -> ([ErrorPageConfig], [Diagnostic]) {
        var kept: [ErrorPageConfig] = []
        var diagnostics: [Diagnostic] = []
        for page in pages {
            if !ErrorBackendConfig.statusRange.contains(page.status) {
                diagnostics.append(.error("invalid-error-page", "error_pages: \(page.status) is not an error status (400 to 599); the page is not used", at: page.location))
            } else if kept.contains(where: { $0.status == page.status }) {
                diagnostics.append(.error("invalid-error-page", "error_pages: a second page for \(page.status); the first one is used", at: page.location))
            } else {
                kept.append(page)
            }
        }
        return (kept, diagnostics)
    }
}
