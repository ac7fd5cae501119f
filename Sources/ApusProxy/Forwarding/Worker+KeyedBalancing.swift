import ApusCore
import ApusHTTP
import ApusNet

/// Session affinity and consistent hashing (see `CompiledKeyedBalancing`): the request's key
/// is read when proxying starts, the endpoint is picked from it at each attempt, and a new
/// session's cookie goes out with the response head. Out of line, off the path of upstreams
/// balanced without a key.
extension Worker {
    /// Reads the key while the request head is still in the input: the hash of the
    /// `hash_by` text, or the affinity cookie's session key or endpoint token.
    @inline(never)
    func prepareBalanceKey(_ keyed: CompiledKeyedBalancing, _ connection: DownstreamConnection, _ exchange: Exchange,
                           host: UnsafeRawBufferPointer) {
        if let template = keyed.hashKey {
            balanceScratch.removeAll(keepingCapacity: true)
            expand(template, connection, exchange, host: host, into: &balanceScratch)
            exchange.balanceKey = KeyHasher.hash(balanceScratch)
            exchange.balanceKeyState = .hashed
            return
        }
        let raw = connection.input.readable
        if let value = exchange.head.headers.withUnsafeBufferPointer({ RequestFieldLookup.cookie(named: keyed.cookieName, in: $0, raw) }),
           let key = AffinityCookieValue.parse(value) {
            exchange.balanceKey = key
            exchange.balanceKeyState = .session
        } else {
            // Not a secret: the key only places the session on the ring.
            exchange.balanceKey = nextRequestID().0
            exchange.balanceKeyState = .newSession
        }
        if keyed.affinityWantsUserAgent, let agent = exchange.head.headers.withUnsafeBufferPointer({
            RequestFieldLookup.value(named: "user-agent".utf8, in: $0, raw)
        }) {
            exchange.sameSiteNoneRejected = SameSiteCompatibility.rejectsNone(userAgent: agent)
        }
    }

    /// The endpoint for this attempt, healthy and untried ones first; nil when every
    /// endpoint was tried.
    @inline(never)
    func pickKeyed(_ keyed: CompiledKeyedBalancing, _ runtime: UpstreamRuntime, _ exchange: Exchange, tried: UInt64) -> Int? {
        let endpoints = runtime.endpoints
        let now = self.now
        func untried(_ index: Int) -> Bool { tried & (1 << UInt64(index & 63)) == 0 }
        func healthy(_ index: Int) -> Bool { untried(index) && endpoints[index].availableAt <= now }
        guard let start = keyed.ring.position(of: exchange.balanceKey) else { return nil }
        if exchange.balanceKeyState == .hashed {
            if keyed.subsets.isEmpty {
                return keyed.ring.firstOwner(from: start, where: healthy) ?? keyed.ring.firstOwner(from: start, where: untried)
            }
            // The key's subset, or the next one on the ring when none of its members can
            // take the request; within a subset requests rotate.
            for accept in [healthy, untried] as [(Int) -> Bool] {
                var chosen: Int?
                _ = keyed.ring.firstOwner(from: start) { subset in
                    chosen = rotate(over: keyed.subsets[subset], runtime, accept)
                    return chosen != nil
                }
                if let chosen { return chosen }
            }
            return nil
        }
        guard let affinity = keyed.affinity else { return nil }
        let sessionLives = exchange.balanceKeyState == .session
        switch affinity.mode {
        case .balanced:
            let owner = Int(keyed.ring.owners[start])
            if healthy(owner) {
                if !sessionLives { issueAffinityCookie(exchange, value: exchange.balanceKey) }
                return owner
            }
            if !sessionLives || affinity.changeOnFailure {
                // A new key whose endpoint can take the session, as ingress-nginx draws one.
                for _ in 0..<20 {
                    let key = nextRequestID().0
                    if let candidate = keyed.ring.owner(of: key), healthy(candidate) {
                        exchange.balanceKey = key
                        issueAffinityCookie(exchange, value: key)
                        return candidate
                    }
                }
            }
            // The session keeps its key; this request goes where the ring sends the key
            // while its endpoint is out.
            return keyed.ring.firstOwner(from: start, where: healthy) ?? keyed.ring.firstOwner(from: start, where: untried)
        case .persistent:
            if sessionLives, let endpoint = keyed.endpoint(ofToken: exchange.balanceKey) {
                if healthy(endpoint) { return endpoint }
                if !affinity.changeOnFailure { return pickUnkeyed(runtime, healthy: healthy, untried: untried) }
            }
            // A new session, or one whose endpoint is gone (or failed, with change_on_failure).
            guard let picked = pickUnkeyed(runtime, healthy: healthy, untried: untried) else { return nil }
            if let token = keyed.token(ofEndpoint: picked) { issueAffinityCookie(exchange, value: token) }
            return picked
        }
    }

    private func pickUnkeyed(_ runtime: UpstreamRuntime, healthy: (Int) -> Bool, untried: (Int) -> Bool) -> Int? {
        let endpoints = runtime.endpoints
        return runtime.picker.pick(endpointCount: endpoints.count, isAvailable: healthy, activeRequests: { endpoints[$0].activeRequests })
            ?? runtime.picker.pick(endpointCount: endpoints.count, isAvailable: untried, activeRequests: { endpoints[$0].activeRequests })
    }

    /// The next member of a hash subset `accept` takes, in turn.
    private func rotate(over members: [Int], _ runtime: UpstreamRuntime, _ accept: (Int) -> Bool) -> Int? {
        let start = runtime.rotation
        for step in 0..<members.count {
            let member = members[(start &+ step) % members.count]
            if accept(member) {
                runtime.rotation = start &+ step &+ 1
                return member
            }
        }
        return nil
    }

    /// The response head will carry the session's cookie. The owned-edits field routes the
    /// response start through its per-request branch, where the line is added.
    private func issueAffinityCookie(_ exchange: Exchange, value: UInt64) {
        exchange.affinityCookie = value
        if exchange.ownedResponseEdits == nil { exchange.ownedResponseEdits = Exchange.authMarker }
    }

    /// Adds the Set-Cookie line of a new session to the response's edits.
    func addAffinityCookie(_ connection: DownstreamConnection, _ exchange: Exchange, value: UInt64) {
        guard let runtime = exchange.runtime, let keyed = runtime.keyed, let affinity = keyed.affinity else { return }
        var line = Array("Set-Cookie: ".utf8)
        line += keyed.cookiePrefix
        AffinityCookieValue.write(value, into: &line)
        line += "; Path=".utf8
        if let path = affinity.path {
            line += path.utf8
        } else {
            let route = table.routes[exchange.routeIndex]
            line += route.match == .regex ? "/".utf8 : route.path.utf8
        }
        if let domain = affinity.domain { line += "; Domain=\(domain)".utf8 }
        if let seconds = affinity.expiresSeconds {
            line += "; Expires=\(HTTPDate.format(MonotonicClock.wallSeconds() + seconds))".utf8
        }
        if let seconds = affinity.maxAgeSeconds { line += "; Max-Age=\(seconds)".utf8 }
        if affinity.secure ?? connection.listener.isTLS { line += "; Secure".utf8 }
        line += "; HttpOnly".utf8
        if let sameSite = affinity.sameSite, !(sameSite == .crossSite && affinity.conditionalSameSiteNone && exchange.sameSiteNoneRejected) {
            line += "; SameSite=\(sameSite.rawValue)".utf8
        }
        line += "\r\n".utf8
        let current = exchange.responseEdits
        let edits = CompiledHeaderEdits(removedNames: current?.removedNames ?? [], addedLines: (current?.addedLines ?? []) + line)
        exchange.ownedResponseEdits = edits
        exchange.responseEdits = edits
    }
}
