import ApusNet

extension Worker {
    /// Runs due timer entries: each names a connection by tag; the connection's own
    /// deadline says whether it is really due or was pushed later.
    func fireTimers() {
        firedTimers.removeAll(keepingCapacity: true)
        wheel.advance(to: now, fired: &firedTimers)
        for entry in firedTimers {
            let fd = Int(entry.tag & 0xFFFF_FFFF)
            guard fd < slots.count else {
                if fd >= 0x8000_0000 { streamTimerFired(entry) }
                continue
            }
            switch slots[fd] {
            case .downstream(let connection) where connection.tag == entry.tag:
                if connection.deadline.fired(entryAt: entry.at, now: now, tag: entry.tag, in: &wheel) {
                    downstreamTimedOut(connection)
                }
            case .upstream(let connection) where connection.tag == entry.tag:
                if connection.deadline.fired(entryAt: entry.at, now: now, tag: entry.tag, in: &wheel) {
                    upstreamTimedOut(connection)
                }
            default:
                continue
            }
        }
    }
}
