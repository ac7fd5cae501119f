/// One worker's tunnel figures since its last flush: tunnels open now, bytes relayed each
/// way, and how tunnels ended.
///
/// Bytes are counted as they move (a field increment), so a WebSocket that stays open for
/// hours still shows its traffic. Thread rule: owned by one worker.
struct TunnelCounters {
    /// Why a tunnel ended, as the `reason` label of `apus_tunnels_closed_total`.
    enum End: Int, CaseIterable {
        /// Both sides sent their FIN and everything before it was delivered.
        case closed
        /// No byte moved in either direction for `timeouts.tunnel_idle`.
        case idleTimeout
        /// A read or write failed (reset, broken pipe, TLS error).
        case error

        var label: String {
            switch self {
            case .closed: "closed"
            case .idleTimeout: "idle_timeout"
            case .error: "error"
            }
        }
    }

    /// A gauge: reported as is, never reset by a flush.
    var active = 0
    var opened: UInt64 = 0
    /// Downstream → upstream.
    var bytesUpstreamward: UInt64 = 0
    /// Upstream → downstream (the 101 head is not a tunnel byte).
    var bytesDownstreamward: UInt64 = 0
    var ended: (closed: UInt64, idleTimeout: UInt64, error: UInt64) = (0, 0, 0)

    mutating func countEnd(_ end: End) {
        active -= 1
        switch end {
        case .closed: ended.closed &+= 1
        case .idleTimeout: ended.idleTimeout &+= 1
        case .error: ended.error &+= 1
        }
    }

    /// The counts since the last call (the gauge as it stands), clearing the counts.
    mutating func takeDelta() -> TunnelCounters {
        let delta = self
        self = TunnelCounters(active: active)
        return delta
    }

    func count(of end: End) -> UInt64 {
        switch end {
        case .closed: ended.closed
        case .idleTimeout: ended.idleTimeout
        case .error: ended.error
        }
    }
}
