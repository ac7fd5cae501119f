import ApusCore
import ApusNet

/// The `ewma` balancer (ingress-nginx's default-off alternative to round robin): two
/// endpoints drawn at random, the one whose peak-EWMA latency times requests in flight is
/// lower wins, fewer requests in flight breaking a tie. Latencies are this worker's own.
extension Worker {
    /// Healthy untried endpoints first; when only ejected ones are left, those untried.
    func pickByLatency(_ runtime: UpstreamRuntime, tried: UInt64) -> Int? {
        let endpoints = runtime.endpoints
        let count = endpoints.count
        guard count > 0 else { return nil }
        let now = self.now
        for healthyOnly in [true, false] {
            func usable(_ index: Int) -> Bool {
                tried & (1 << UInt64(index & 63)) == 0 && (!healthyOnly || endpoints[index].availableAt <= now)
            }
            /// The first usable endpoint from `start` on, other than `other`.
            func draw(from start: Int, other: Int) -> Int? {
                for step in 0..<count {
                    let index = (start &+ step) % count
                    if index != other && usable(index) { return index }
                }
                return nil
            }
            let random = nextRequestID().0
            guard let first = draw(from: Int(random % UInt64(count)), other: -1) else { continue }
            guard let second = draw(from: Int((random >> 32) % UInt64(count)), other: first) else { return first }
            let firstCost = endpoints[first].latency.cost(activeRequests: endpoints[first].activeRequests, at: now)
            let secondCost = endpoints[second].latency.cost(activeRequests: endpoints[second].activeRequests, at: now)
            if firstCost != secondCost { return firstCost < secondCost ? first : second }
            return endpoints[second].activeRequests < endpoints[first].activeRequests ? second : first
        }
        return nil
    }

    /// A response head arrived on an attempt the `ewma` balancer timed.
    func observeLatency(_ exchange: Exchange, _ endpoint: EndpointState) {
        let elapsed = MonotonicClock.microseconds() &- exchange.attemptStartMicros
        endpoint.latency.observe(Double(elapsed), at: now)
        exchange.attemptStartMicros = 0
    }

    /// Endpoints new to an `ewma` upstream start at the average of the others, as in
    /// ingress-nginx, so that a new pod is not flooded before its first answer.
    func seedLatencies(_ endpoints: [EndpointState]) {
        let known = endpoints.filter { $0.latency.isKnown }
        guard !known.isEmpty, known.count < endpoints.count else { return }
        let average = known.reduce(0) { $0 + $1.latency.value(at: now) } / Double(known.count)
        for endpoint in endpoints where !endpoint.latency.isKnown {
            endpoint.latency = LatencyEWMA(micros: average, touched: now)
        }
    }
}
