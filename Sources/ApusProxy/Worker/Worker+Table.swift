import ApusControl
import ApusCore
import ApusHTTP
import ApusNet
import Glibc

extension Worker {
    /// Takes the newest published table; requests in flight keep the one they started with.
    func refreshTable() {
        let published = state.publisher.current()
        table = published.snapshot.table
        generation = published.generation
        tls = published.snapshot.tls
        adoptTable()
    }

    /// Rebuilds per-table worker state: listeners, upstream runtimes (keeping pools,
    /// balancer cursors and ejections by name and address), counters.
    func adoptTable() {
        flushCounters()
        requestSeries.clear(for: table)
        carryCanaryCounts()
        limits = HTTPLimits(table.limits)
        if idleNaps.enabled != table.idleNaps { idleNaps = IdleNaps(enabled: table.idleNaps) }
        staticFiles.reset()

        var previousPickers: [String: EndpointPicker] = [:]
        for runtime in upstreams { previousPickers[runtime.name] = runtime.picker }
        var live: [EndpointKey: EndpointState] = [:]
        var runtimes: [UpstreamRuntime] = []
        for upstream in table.upstreams {
            var endpoints: [EndpointState] = []
            let clientTLS = tls.clients[upstream.name]
            for address in upstream.endpoints {
                let key = EndpointKey(address: address, tlsIdentity: upstream.tls?.poolIdentity ?? "", http2: upstream.httpProtocol == .h2)
                if let existing = live[key] ?? endpointStates[key] {
                    existing.retired = false
                    existing.maxIdle = upstream.keepAlive.maxIdle
                    existing.idleTimeoutMilliseconds = upstream.keepAlive.idleTimeoutMilliseconds
                    existing.tls = clientTLS
                    live[key] = existing
                    endpoints.append(existing)
                } else if let created = EndpointState(address: address, keepAlive: upstream.keepAlive, http2: key.http2) {
                    created.tls = clientTLS
                    live[key] = created
                    endpoints.append(created)
                }
            }
            if upstream.balance == .ewma { seedLatencies(endpoints) }
            runtimes.append(UpstreamRuntime(
                name: upstream.name, endpoints: endpoints,
                // A picker whose policy changed starts afresh.
                picker: previousPickers[upstream.name].flatMap { $0.policy == upstream.balance ? $0 : nil } ?? EndpointPicker(policy: upstream.balance),
                // The key's endpoint indexes are the table's: an address without a socket
                // address (left out above) would shift them, so such an upstream goes unkeyed.
                keyed: endpoints.count == upstream.endpoints.count ? upstream.keyed : nil,
                connectTimeout: UInt64(upstream.connectTimeoutMilliseconds),
                readTimeout: UInt64(upstream.readTimeoutMilliseconds),
                sendTimeout: UInt64(upstream.sendTimeoutMilliseconds),
                tunnelIdleTimeout: UInt64(table.timeouts.tunnelIdle),
                failures: upstream.failures))
        }
        for (address, endpoint) in endpointStates where live[address] == nil {
            endpoint.retired = true
            for connection in endpoint.idle { closeUpstream(connection) }
            endpoint.idle.removeAll()
            // HTTP/2 connections close once their last stream ends.
            for carrier in endpoint.http2Connections where carrier.http2?.attached == 0 { closeUpstream(carrier) }
        }
        endpointStates = live
        upstreams = runtimes
        if !draining { syncListeners() }
    }

    /// Opens listeners the table has and this worker lacks; closes the ones it dropped.
    func syncListeners() {
        var wanted: [(name: String, address: HostPort, isAdmin: Bool, isTLS: Bool, proxyProtocol: Bool, http2: Bool)] = table.listeners.map {
            ($0.name, $0.address, false, $0.tls != nil, $0.proxyProtocol, $0.http2)
        }
        if index == 0, let admin = table.admin { wanted.append(("admin", admin, true, false, false, false)) }
        var kept: [ListenerInfo] = []
        var closed: [ListenerInfo] = []
        for listener in listeners {
            // Same address and kind; a listener that turned HTTPS (or back), started or
            // stopped expecting PROXY headers, or serving HTTP/2, is reopened.
            if wanted.contains(where: { $0.address.description == listener.address && $0.isAdmin == listener.isAdmin
                && $0.isTLS == listener.isTLS && $0.proxyProtocol == listener.proxyProtocol && $0.http2 == listener.http2 }) {
                kept.append(listener)
            } else {
                closeListener(listener)
                closed.append(listener)
            }
        }
        if !closed.isEmpty { goAwayFromClosedListeners(closed) }
        for want in wanted where !kept.contains(where: { $0.address == want.address.description && $0.isAdmin == want.isAdmin
            && $0.isTLS == want.isTLS && $0.proxyProtocol == want.proxyProtocol && $0.http2 == want.http2 }) {
            guard let address = SocketAddress(host: want.address.host, port: want.address.port) else { continue }
            do {
                let fd = try Sockets.listen(address, reusePort: !want.isAdmin)
                let info = ListenerInfo(
                    fd: fd, name: want.name, address: want.address.description, port: want.address.port, isAdmin: want.isAdmin,
                    isTLS: want.isTLS, proxyProtocol: want.proxyProtocol, http2: want.http2)
                setSlot(fd, .listener(info))
                epoll.add(fd, events: Epoll.readable, tag: UInt64(UInt32(bitPattern: fd)))
                kept.append(info)
            } catch {
                Log.error("cannot listen", ["listener": want.name, "address": want.address.description, "error": error.description])
            }
        }
        listeners = kept
    }

    /// HTTP/2 connections of a listener that a reload removed or reopened get a graceful
    /// GOAWAY: their streams in flight finish, and the client opens new streams on a new
    /// connection, to the listener as it is now.
    private func goAwayFromClosedListeners(_ closed: [ListenerInfo]) {
        for slot in slots {
            guard case .downstream(let connection) = slot, connection.http2 != nil,
                  closed.contains(where: { $0 === connection.listener }) else { continue }
            goAway(connection)
        }
    }

    func resumePausedListeners() {
        guard !pausedListeners.isEmpty else { return }
        for listener in pausedListeners where listeners.contains(where: { $0 === listener }) {
            epoll.add(listener.fd, events: Epoll.readable, tag: UInt64(UInt32(bitPattern: listener.fd)))
        }
        pausedListeners.removeAll()
    }

    func closeListener(_ listener: ListenerInfo) {
        epoll.remove(listener.fd)
        setSlot(listener.fd, .empty)
        Posix.close(listener.fd)
    }

    /// Stops accepting; idle connections close now, busy ones after their response.
    func beginDrain() {
        draining = true
        for listener in listeners { closeListener(listener) }
        listeners.removeAll()
        for slot in slots {
            guard case .downstream(let connection) = slot else { continue }
            if let exchange = connection.exchange { _ = exchange.machine.handle(.drain, now: now) }
            if connection.phase == .awaitingHead && connection.input.isEmpty {
                closeDownstream(connection)
            } else if connection.phase == .http2 {
                // The streams in flight finish; the client opens new ones elsewhere.
                goAway(connection)
            }
        }
    }
}

extension UpstreamTLSConfig {
    /// Tells pooled connections of different TLS settings apart (same address, other CA or
    /// name: not interchangeable).
    var poolIdentity: String {
        "\(serverName ?? "")|\(caFile ?? "")|\(verify)|\(clientCertificate?.certificateFile ?? "")"
    }
}
