/// Process-wide tunnel figures behind `/metrics`, summed from the workers' `TunnelCounters`.
///
/// Thread rule: inside `MetricsRegistry`'s lock.
struct TunnelTotals {
    var activeByWorker: [Int: Int] = [:]
    var opened: UInt64 = 0
    var bytesUpstreamward: UInt64 = 0
    var bytesDownstreamward: UInt64 = 0
    var ended = [UInt64](repeating: 0, count: TunnelCounters.End.allCases.count)

    mutating func add(_ delta: TunnelCounters, worker: Int) {
        activeByWorker[worker] = delta.active
        opened &+= delta.opened
        bytesUpstreamward &+= delta.bytesUpstreamward
        bytesDownstreamward &+= delta.bytesDownstreamward
        for end in TunnelCounters.End.allCases { ended[end.rawValue] &+= delta.count(of: end) }
    }

    func render(into out: inout String) {
        out += "# HELP apus_tunnels_active Upgraded connections (101 tunnels) open now.\n"
        out += "# TYPE apus_tunnels_active gauge\n"
        out += "apus_tunnels_active \(activeByWorker.values.reduce(0, +))\n"
        out += "# HELP apus_tunnels_opened_total Upgrade requests the upstream accepted with 101.\n"
        out += "# TYPE apus_tunnels_opened_total counter\n"
        out += "apus_tunnels_opened_total \(opened)\n"
        out += "# HELP apus_tunnels_closed_total Tunnels ended, by reason.\n"
        out += "# TYPE apus_tunnels_closed_total counter\n"
        for end in TunnelCounters.End.allCases {
            out += "apus_tunnels_closed_total{reason=\"\(end.label)\"} \(ended[end.rawValue])\n"
        }
        out += "# HELP apus_tunnel_bytes_total Bytes relayed through tunnels, by direction.\n"
        out += "# TYPE apus_tunnel_bytes_total counter\n"
        out += "apus_tunnel_bytes_total{direction=\"upstream\"} \(bytesUpstreamward)\n"
        out += "apus_tunnel_bytes_total{direction=\"downstream\"} \(bytesDownstreamward)\n"
    }
}
