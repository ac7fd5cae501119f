import ApusCore
import ApusNet

/// Process-wide counters behind `/metrics`, fed by workers about once a second.
///
/// Workers count in their own memory (no atomics on the request path) and add their
/// deltas here on a timer tick, so a scrape is at most about a second behind.
/// Thread rule: any thread.
public final class MetricsRegistry: Sendable {
    struct UpstreamErrorKey: Hashable {
        var upstream: String
        var kind: UpstreamErrorKind
    }

    struct Totals {
        var series: [RequestSeriesKey: [UInt64]] = [:]
        /// The route labels of the table last published (nil before the first): counts for
        /// any other, flushed late by a worker still on an older table, are dropped.
        var liveRoutes: Set<RouteMetricLabels>?
        var adminRequests: [Int: UInt64] = [:]
        var certificates: [CertificateExpiry] = []
        var controllerSync = DurationHistogram()
        var controllerPublish = DurationHistogram()
        var leadership: (lease: String, leading: Bool)?
        var upstreamErrors: [UpstreamErrorKey: UInt64] = [:]
        var activeConnections: [Int: Int] = [:]
        var activeStreams: [Int: Int] = [:]
        var http2 = WorkerCounters.HTTP2Counts()
        var acceptedConnections: UInt64 = 0
        var tlsHandshakeFailures: UInt64 = 0
        var proxyProtocolRefusals: UInt64 = 0
        var basicAuthChecks: UInt64 = 0
        var errorBackendRequests: UInt64 = 0
        var limitRefusals: UInt64 = 0
        var externalAuth = WorkerCounters.ExternalAuthCounts()
        var gzip = WorkerCounters.GzipCounts()
        var tunnels = TunnelTotals()
        var naps = WorkerCounters.NapCounts()
        var generation: UInt64 = 0
        var lastReloadSuccess = true
        var lastReloadUnixSeconds = 0
        var reloads: [Bool: UInt64] = [:]
    }

    let totals = Locked(Totals())
    /// The limits' client table, read at each scrape (`ProxyState` hands it over).
    let clientRates = Locked<ClientRateTable?>(nil)

    public init() {}

    func add(_ delta: WorkerCounters.Delta, worker: Int) {
        totals.withLock { t in
            for (key, record) in delta.series where t.liveRoutes?.contains(key.route) ?? true {
                t.series.add(record, to: key)
            }
            for (status, count) in delta.adminRequests { t.adminRequests[status, default: 0] += count }
            for (key, count) in delta.upstreamErrors { t.upstreamErrors[key, default: 0] += count }
            t.activeConnections[worker] = delta.activeConnections
            t.acceptedConnections += delta.accepted
            t.tlsHandshakeFailures += delta.tlsHandshakeFailures
            t.http2.add(delta.http2)
            t.activeStreams[worker] = delta.http2.activeStreams
            t.proxyProtocolRefusals += delta.proxyProtocolRefusals
            t.basicAuthChecks += delta.basicAuthChecks
            t.errorBackendRequests += delta.errorBackendRequests
            t.limitRefusals += delta.limitRefusals
            t.externalAuth.add(delta.externalAuth)
            t.gzip.responses += delta.gzip.responses
            t.gzip.bytesIn += delta.gzip.bytesIn
            t.gzip.bytesOut += delta.gzip.bytesOut
            t.tunnels.add(delta.tunnels, worker: worker)
            t.naps.taken += delta.naps.taken
            t.naps.withEvents += delta.naps.withEvents
        }
    }

    /// Records the outcome of a (re)load by the control plane.
    public func recordReload(success: Bool, generation: UInt64, unixSeconds: Int) {
        totals.withLock { t in
            t.lastReloadSuccess = success
            t.lastReloadUnixSeconds = unixSeconds
            t.reloads[success, default: 0] += 1
            if success { t.generation = generation }
        }
    }

    /// A table published without a configuration reload (a header value file changed).
    public func recordGeneration(_ generation: UInt64) {
        totals.withLock { $0.generation = generation }
    }

    /// Prometheus text exposition format, version 0.0.4.
    public func render() -> String {
        let t = totals.withLock { $0 }
        var out = ""
        renderRequestSeries(t.series, into: &out)
        out += "# HELP apus_admin_requests_total Answers of the admin listener (probes, scrapes), by status; not in the proxy's series.\n"
        out += "# TYPE apus_admin_requests_total counter\n"
        for (status, count) in t.adminRequests.sorted(by: { $0.key < $1.key }) {
            out += "apus_admin_requests_total{status=\"\(status)\"} \(count)\n"
        }
        renderCertificates(t.certificates, into: &out)
        renderLeadership(t.leadership, into: &out)
        ProcessStatistics.read().render(into: &out)
        out += "# HELP apus_controller_sync_duration_seconds Time the controller took to turn the cluster's objects into a route table (translation and compilation).\n"
        t.controllerSync.render(name: "apus_controller_sync_duration_seconds", labels: "", into: &out, withType: true)
        out += "# HELP apus_controller_publish_duration_seconds Time from the first Kubernetes change of a batch to the route table that holds it being published to the workers.\n"
        t.controllerPublish.render(name: "apus_controller_publish_duration_seconds", labels: "", into: &out, withType: true)
        out += "# HELP apus_upstream_errors_total Failed upstream exchanges, by upstream and kind.\n"
        out += "# TYPE apus_upstream_errors_total counter\n"
        for (key, count) in t.upstreamErrors.sorted(by: { ($0.key.upstream, $0.key.kind.rawValue) < ($1.key.upstream, $1.key.kind.rawValue) }) {
            out += "apus_upstream_errors_total{upstream=\"\(Self.escape(key.upstream))\",kind=\"\(key.kind.rawValue)\"} \(count)\n"
        }
        out += "# HELP apus_connections_active Open downstream connections.\n"
        out += "# TYPE apus_connections_active gauge\n"
        out += "apus_connections_active \(t.activeConnections.values.reduce(0, +))\n"
        out += "# HELP apus_connections_accepted_total Downstream connections accepted.\n"
        out += "# TYPE apus_connections_accepted_total counter\n"
        out += "apus_connections_accepted_total \(t.acceptedConnections)\n"
        out += "# HELP apus_tls_handshake_failures_total Downstream TLS handshakes that failed or timed out.\n"
        out += "# TYPE apus_tls_handshake_failures_total counter\n"
        out += "apus_tls_handshake_failures_total \(t.tlsHandshakeFailures)\n"
        out += "# HELP apus_http2_connections_total Downstream connections that turned HTTP/2 (ALPN h2, or h2c with prior knowledge).\n"
        out += "# TYPE apus_http2_connections_total counter\n"
        out += "apus_http2_connections_total \(t.http2.connections)\n"
        out += "# HELP apus_http2_streams_total Request streams opened on downstream HTTP/2 connections.\n"
        out += "# TYPE apus_http2_streams_total counter\n"
        out += "apus_http2_streams_total \(t.http2.streams)\n"
        out += "# HELP apus_http2_streams_active Request streams open on downstream HTTP/2 connections.\n"
        out += "# TYPE apus_http2_streams_active gauge\n"
        out += "apus_http2_streams_active \(t.activeStreams.values.reduce(0, +))\n"
        out += "# HELP apus_http2_goaways_sent_total Graceful GOAWAYs sent to HTTP/2 clients (drain, idle connection).\n"
        out += "# TYPE apus_http2_goaways_sent_total counter\n"
        out += "apus_http2_goaways_sent_total \(t.http2.goAways)\n"
        out += "# HELP apus_http2_connection_errors_total HTTP/2 connections closed for a protocol error or a flood (libnghttp2 sent GOAWAY with the error).\n"
        out += "# TYPE apus_http2_connection_errors_total counter\n"
        out += "apus_http2_connection_errors_total \(t.http2.connectionErrors)\n"
        out += "# HELP apus_http2_upstream_connections_total Connections opened to upstreams that speak HTTP/2 (protocol h2, gRPC).\n"
        out += "# TYPE apus_http2_upstream_connections_total counter\n"
        out += "apus_http2_upstream_connections_total \(t.http2.upstreamConnections)\n"
        out += "# HELP apus_http2_upstream_streams_total Requests sent as streams to upstreams that speak HTTP/2.\n"
        out += "# TYPE apus_http2_upstream_streams_total counter\n"
        out += "apus_http2_upstream_streams_total \(t.http2.upstreamStreams)\n"
        out += "# HELP apus_proxy_protocol_refusals_total Connections closed on a PROXY protocol listener for a missing or invalid header.\n"
        out += "# TYPE apus_proxy_protocol_refusals_total counter\n"
        out += "apus_proxy_protocol_refusals_total \(t.proxyProtocolRefusals)\n"
        out += "# HELP apus_basic_auth_checks_total Basic-auth credentials checked against the user list (a password hash each); a verdict remembered for a credential is not checked again.\n"
        out += "# TYPE apus_basic_auth_checks_total counter\n"
        out += "apus_basic_auth_checks_total \(t.basicAuthChecks)\n"
        out += "# HELP apus_error_backend_requests_total Answers replaced by an error backend's (error_backend, custom-http-errors), and requests sent to one because their upstream had no endpoint.\n"
        out += "# TYPE apus_error_backend_requests_total counter\n"
        out += "apus_error_backend_requests_total \(t.errorBackendRequests)\n"
        out += "# HELP apus_limit_refusals_total Requests answered without proxying because their client was over a route's rate or requests-in-progress limit.\n"
        out += "# TYPE apus_limit_refusals_total counter\n"
        out += "apus_limit_refusals_total \(t.limitRefusals)\n"
        if let clientRates = clientRates.withLock({ $0 }) {
            out += "# HELP apus_rate_limit_clients Clients the rate and connection limits hold counts for (at most \(ClientRateTable.capacity); the least recently seen make room).\n"
            out += "# TYPE apus_rate_limit_clients gauge\n"
            out += "apus_rate_limit_clients \(clientRates.occupancy())\n"
        }
        out += "# HELP apus_external_auth_requests_total Requests sent to external-auth services, by what the answer meant (error: unreachable, timed out, or neither 2xx, 401 nor 403).\n"
        out += "# TYPE apus_external_auth_requests_total counter\n"
        for (result, count) in [("allowed", t.externalAuth.allowed), ("unauthorized", t.externalAuth.unauthorized),
                                ("forbidden", t.externalAuth.forbidden), ("error", t.externalAuth.failed)] {
            out += "apus_external_auth_requests_total{result=\"\(result)\"} \(count)\n"
        }
        out += "# HELP apus_external_auth_cache_hits_total External-auth answers taken from the cache (auth-cache-key) instead of asking the service.\n"
        out += "# TYPE apus_external_auth_cache_hits_total counter\n"
        out += "apus_external_auth_cache_hits_total \(t.externalAuth.cacheHits)\n"
        out += "# HELP apus_gzip_responses_total Responses sent gzip-compressed.\n"
        out += "# TYPE apus_gzip_responses_total counter\n"
        out += "apus_gzip_responses_total \(t.gzip.responses)\n"
        out += "# HELP apus_gzip_input_bytes_total Body bytes given to the gzip compressor.\n"
        out += "# TYPE apus_gzip_input_bytes_total counter\n"
        out += "apus_gzip_input_bytes_total \(t.gzip.bytesIn)\n"
        out += "# HELP apus_gzip_output_bytes_total gzip bytes the compressor produced (chunk framing not included).\n"
        out += "# TYPE apus_gzip_output_bytes_total counter\n"
        out += "apus_gzip_output_bytes_total \(t.gzip.bytesOut)\n"
        t.tunnels.render(into: &out)
        out += "# HELP apus_idle_naps_total Short timed sleeps of busy workers whose queue ran dry (idle_naps), by whether events were ready after.\n"
        out += "# TYPE apus_idle_naps_total counter\n"
        out += "apus_idle_naps_total{result=\"events\"} \(t.naps.withEvents)\n"
        out += "apus_idle_naps_total{result=\"empty\"} \(t.naps.taken - t.naps.withEvents)\n"
        out += "# HELP apus_route_table_generation Generation of the route table being served.\n"
        out += "# TYPE apus_route_table_generation gauge\n"
        out += "apus_route_table_generation \(t.generation)\n"
        out += "# HELP apus_config_last_reload_success Whether the last configuration load succeeded (1) or was rejected (0).\n"
        out += "# TYPE apus_config_last_reload_success gauge\n"
        out += "apus_config_last_reload_success \(t.lastReloadSuccess ? 1 : 0)\n"
        out += "# HELP apus_config_last_reload_timestamp_seconds Unix time of the last configuration load.\n"
        out += "# TYPE apus_config_last_reload_timestamp_seconds gauge\n"
        out += "apus_config_last_reload_timestamp_seconds \(t.lastReloadUnixSeconds)\n"
        out += "# HELP apus_config_reloads_total Configuration loads, by result.\n"
        out += "# TYPE apus_config_reloads_total counter\n"
        out += "apus_config_reloads_total{result=\"success\"} \(t.reloads[true] ?? 0)\n"
        out += "apus_config_reloads_total{result=\"failure\"} \(t.reloads[false] ?? 0)\n"
        return out
    }

    static func escape(_ label: String) -> String {
        var out = ""
        for c in label {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}

/// Why an upstream exchange failed, as the `kind` label of `apus_upstream_errors_total`.
public enum UpstreamErrorKind: String, Sendable {
    case connectRefused = "connect_refused"
    case connectTimeout = "connect_timeout"
    case reset
    case readTimeout = "read_timeout"
    case sendTimeout = "send_timeout"
    case invalidResponse = "invalid_response"
    case noEndpoint = "no_endpoint"
    case tlsHandshake = "tls_handshake"
    /// No socket could be made for the connection (our file descriptors or memory ran out).
    case localResources = "local_resources"
    /// More interim (1xx) responses than a real server sends.
    case tooManyInterimResponses = "too_many_interim_responses"
}
