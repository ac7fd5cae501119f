import ApusNet

extension Worker {
    /// Runs due timer entries: each names a connection by tag; the connection's own
    /// deadline says whether it is really due or was pushed later.
    func fireTimers() {
        firedTimers.removeAll(keepingCapacity: true)
        wheel.advance(to: now, fired: &firedTimers)
        for entry in firedTimers {
            let fd = Int(entry.tag & 0xFFFF_FFFF)
            guard fd < slots.count else { continue }
            switch slots[fd] {
            case .downstream(let connection) where connection.tag == entry.tag:
                guard connection.wheelAt == entry.at else { continue }
                connection.wheelAt = .max
                guard connection.deadline != 0 else { continue }
                if connection.deadline <= now {
                    downstreamTimedOut(connection)
                } else {
                    setDeadline(connection, connection.deadline)
                }
            case .upstream(let connection) where connection.tag == entry.tag:
                guard connection.wheelAt == entry.at else { continue }
                connection.wheelAt = .max
                guard connection.deadline != 0 else { continue }
                if connection.deadline <= now {
                    upstreamTimedOut(connection)
                } else {
                    setDeadline(connection, connection.deadline)
                }
            default:
                continue
            }
        }
    }
}
