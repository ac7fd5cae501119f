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
        let table = RouteTable(
            workers: workers, admin: admin, listeners: listeners, upstreams: upstreams, routes: routes,
            hosts: buildHostIndex(rules), limits: configuration.limits, timeouts: configuration.timeouts,
            accessLog: configuration.accessLog, idleNaps: configuration.idleNaps, clientAddress: clientAddress)
        let diagnostics = workerDiagnostics + listenerDiagnostics + adminDiagnostics + upstreamDiagnostics
            + ruleDiagnostics + duplicateDiagnostics + unusedDiagnostics + clientAddressDiagnostics + externalAuthTargets(table)
        return (table, diagnostics)
    }
}
