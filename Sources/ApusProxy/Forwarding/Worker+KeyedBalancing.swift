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
        let raw = connection.input.readable
        if !keyed.hashPieces.isEmpty {
            exchange.balanceKey = hashKey(keyed.hashPieces, connection, exchange, raw: raw, host: host)
            exchange.balanceKeyState = .hashed
            return
        }
        if let value = affinityCookie(keyed, exchange, raw), let key = AffinityCookieValue.parse(value) {
            exchange.balanceKey = key
            exchange.balanceKeyState = .session
        } else {
            // Not a secret: the key only places the session on the ring.
            exchange.balanceKey = nextRequestID().0
            exchange.balanceKeyState = .newSession
        }
        if keyed.affinityWantsUserAgent {
            exchange.sameSiteNoneRejected = exchange.head.headers.withUnsafeBufferPointer({
                RequestFieldLookup.value(named: "user-agent".utf8, in: $0, raw)
            }).map { SameSiteCompatibility.rejectsNone(userAgent: $0) } ?? false
        }
    }

    /// The affinity cookie's value: in the first Cookie field, which the parser indexed (a
    /// walk over the header array would retain and release it), else in a later one.
    private func affinityCookie(_ keyed: CompiledKeyedBalancing, _ exchange: Exchange, _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let first = exchange.head.cookieIndex
        guard first >= 0 else { return nil }
        let field = exchange.head.headers[first]
        let text = UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)])
        if let value = RequestFieldLookup.cookie(prefix: keyed.cookiePrefix, usualLength: AffinityCookieValue.length, inField: text) {
            return value
        }
        return exchange.head.headers.withUnsafeBufferPointer {
            RequestFieldLookup.cookie(prefix: keyed.cookiePrefix, usualLength: AffinityCookieValue.length, in: UnsafeBufferPointer(rebasing: $0[(first + 1)...]), raw)
        }
    }

    /// The hash of the key's pieces, read in place (no piece is copied).
    private func hashKey(_ pieces: [HashKeyPiece], _ connection: DownstreamConnection, _ exchange: Exchange, raw: UnsafeRawBufferPointer,
                         host: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = KeyHasher()
        for piece in pieces {
            switch piece {
            case .text(let bytes): bytes.withUnsafeBytes { hasher.add($0) }
            case .requestURI: hasher.add(UnsafeRawBufferPointer(rebasing: raw[Int(exchange.head.pathStart)..<Int(exchange.head.pathEnd)]))
            case .uri: hasher.add(UnsafeRawBufferPointer(rebasing: raw[Int(exchange.head.pathStart)..<Int(exchange.head.queryStart)]))
            case .host: hasher.add(host)
            case .remoteAddress: (exchange.clientText ?? connection.peer).withUnsafeBytes { hasher.add($0) }
            case .header(let name):
                if let value = exchange.head.headers.withUnsafeBufferPointer({ RequestFieldLookup.value(named: name, in: $0, raw) }) { hasher.add(value) }
            case .cookie(let name):
                if let value = exchange.head.headers.withUnsafeBufferPointer({ RequestFieldLookup.cookie(named: name, in: $0, raw) }) { hasher.add(value) }
            case .argument(let name):
                if let query = TemplateRequest.query(exchange.head, raw),
                   let value = RequestFieldLookup.pairValue(name, in: UnsafeRawBufferPointer(rebasing: query), separator: UInt8(ascii: "&")) {
                    hasher.add(value)
                }
            case .other(let template):
                balanceScratch.removeAll(keepingCapacity: true)
                expand(template, connection, exchange, host: host, into: &balanceScratch)
                balanceScratch.withUnsafeBytes { hasher.add($0) }
            }
        }
        return hasher.finish()
    }

    /// `connectUpstream` for an upstream with a key or EWMA: the endpoint they pick, then the
    /// same steps as there (kept apart so that the plain path stays as it was).
    @inline(never)
    func connectPickingOwnWay(_ runtime: UpstreamRuntime, _ connection: DownstreamConnection, _ exchange: Exchange, tried: UInt64) {
        let chosen: Int?
        if let keyed = runtime.keyedHandle {
            chosen = keyed._withUnsafeGuaranteedRef { usualPick($0, runtime, exchange, tried: tried) ?? pickKeyed($0, runtime, exchange, tried: tried) }
        } else {
            chosen = pickByLatency(runtime, tried: tried)
            exchange.attemptStartMicros = MonotonicClock.microseconds()
            // The response start looks for the time under this field (`startResponse`).
            if exchange.ownedResponseEdits == nil { exchange.ownedResponseEdits = Exchange.authMarker }
        }
        guard let picked = chosen else {
            upstreamFailed(connection, exchange, .noEndpoint)
            return
        }
        let endpoint = runtime.endpoints[picked]
        endpoint.picked(at: now, verdictBy: now + runtime.connectTimeout + runtime.sendTimeout + runtime.readTimeout)
        exchange.logFields.upstreamAddress = endpoint.addressText
        attachConnection(connection, exchange, endpoint: picked)
    }

    /// The endpoint for this attempt, healthy and untried ones first; nil when every
    /// endpoint was tried.
    func pickKeyed(_ keyed: CompiledKeyedBalancing, _ runtime: UpstreamRuntime, _ exchange: Exchange, tried: UInt64) -> Int? {
        let now = self.now
        let endpoints = runtime.endpoints
        func untried(_ index: Int) -> Bool { tried & (1 << UInt64(index & 63)) == 0 }
        func healthy(_ index: Int) -> Bool { untried(index) && endpoints[index].availableAt <= now }
        // No key was read (an error backend's upstream): balanced as any other.
        guard exchange.balanceKeyState != .none else { return pickUnkeyed(runtime, healthy: healthy, untried: untried) }
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
        let sessionLives = exchange.balanceKeyState == .session
        if !keyed.isPersistent {
            let owner = Int(keyed.ring.owners[start])
            if healthy(owner) {
                if !sessionLives { issueAffinityCookie(exchange, value: exchange.balanceKey) }
                return owner
            }
            if !sessionLives || keyed.changesOnFailure {
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
        }
        if sessionLives, let endpoint = keyed.endpoint(ofToken: exchange.balanceKey) {
            if healthy(endpoint) { return endpoint }
            if !keyed.changesOnFailure { return pickUnkeyed(runtime, healthy: healthy, untried: untried) }
        }
        // A new session, or one whose endpoint is gone (or failed, with change_on_failure).
        guard let picked = pickUnkeyed(runtime, healthy: healthy, untried: untried) else { return nil }
        if let token = keyed.token(ofEndpoint: picked) { issueAffinityCookie(exchange, value: token) }
        return picked
    }

    /// The usual case, without closures: a first attempt whose key's endpoint is healthy (a
    /// hash key, or a balanced session that has its cookie). Nil: `pickKeyed` decides.
    @inline(__always)
    private func usualPick(_ keyed: CompiledKeyedBalancing, _ runtime: UpstreamRuntime, _ exchange: Exchange, tried: UInt64) -> Int? {
        guard tried == 0 && !keyed.isPersistent && keyed.subsets.isEmpty
            && (exchange.balanceKeyState == .hashed || exchange.balanceKeyState == .session),
            let start = keyed.ring.position(of: exchange.balanceKey) else { return nil }
        let owner = Int(keyed.ring.owners[start])
        return runtime.endpoints[owner].availableAt <= now ? owner : nil
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
        } else if let table = exchange.table, table.routes.indices.contains(exchange.routeIndex) {
            // The table the request was routed by (a reload may have swapped the worker's).
            // A path that cannot be an attribute (a regex, a byte a cookie may not carry) is /.
            let route = table.routes[exchange.routeIndex]
            line += route.match != .regex && AffinityConfig.isCookieAttribute(route.path) ? route.path.utf8 : "/".utf8
        } else {
            line += "/".utf8
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
