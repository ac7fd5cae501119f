import ApusNet
import Glibc
import Synchronization

/// Runs `LeaderElectionStateMachine` against the API on its own thread: every retry period
/// it reads the Lease (GET), then creates (POST) or updates it (PATCH, a merge patch of the
/// spec with the resourceVersion read), or follows its holder. On `stop` a leader hands over
/// by releasing the Lease.
///
/// Thread rule: `start` once; `isLeader` and `stop` from any thread. `onChange` is called
/// on the elector's thread whenever leadership starts or ends.
public final class LeaderElector: Sendable {
    public let namespace: String
    public let name: String
    public let identity: String
    private let client: KubernetesClient
    private let machine: Locked<LeaderElectionStateMachine>
    private let onChange: @Sendable (Bool) -> Void
    private let leading = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    public init(client: KubernetesClient, namespace: String, name: String, identity: String,
                machine: LeaderElectionStateMachine? = nil, onChange: @escaping @Sendable (Bool) -> Void = { _ in }) {
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.machine = Locked(machine ?? LeaderElectionStateMachine(identity: identity))
        self.onChange = onChange
    }

    /// `POD_NAME` (the Deployment sets it from the downward API), else `hostname-pid`: unique
    /// per replica, and readable in the Lease.
    public static func defaultIdentity(environment: [String: String]) -> String {
        if let pod = environment["POD_NAME"], !pod.isEmpty { return pod }
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(host.isEmpty ? "apus" : host)-\(getpid())"
    }

    public var isLeader: Bool { leading.load(ordering: .acquiring) }

    public func start() {
        spawnDetachedThread { [self] in run() }
    }

    /// Stops electing; a leader releases the Lease first. Waits up to `timeoutMilliseconds`
    /// for that write (SIGTERM's drain should not wait on an unreachable API for long).
    public func stop(timeoutMilliseconds: UInt64 = 3_000) {
        stopping.store(true, ordering: .releasing)
        let end = MonotonicClock.milliseconds() + timeoutMilliseconds
        while !finished.load(ordering: .acquiring) && MonotonicClock.milliseconds() < end { usleep(10_000) }
    }

    private var lease: APIResource { .leases }

    private func run() {
        defer { finished.store(true, ordering: .releasing) }
        var lastWarning = ""
        while !stopping.load(ordering: .acquiring) {
            let period = machine.withLock { $0.retryPeriodMilliseconds }
            do throws(KubernetesError) {
                try round()
                lastWarning = ""
            } catch {
                let lost = machine.withLock { $0.failed(now: MonotonicClock.milliseconds()) }
                publish()
                let text = error.description
                if lost {
                    Log.error("leadership lost: the Lease could not be renewed in time; status writes stop", ["lease": "\(namespace)/\(name)", "error": text])
                } else if text != lastWarning {
                    Log.warning("leader election: Lease request failed; retrying", ["lease": "\(namespace)/\(name)", "error": text])
                }
                lastWarning = text
            }
            pause(period)
        }
        releaseIfLeading()
    }

    /// One read, decision and write.
    private func round() throws(KubernetesError) {
        let path = lease.objectPath(namespace: namespace, name: name)
        let read = try client.send("GET", path)
        let now = MonotonicClock.milliseconds()
        switch read.status {
        case 200:
            guard let tree = try? read.tree() else { throw .malformed(server: client.config.server, reason: "GET \(path): the Lease is not JSON") }
            machine.withLock { $0.observe(LeaseRecord(tree), now: now) }
        case 404:
            machine.withLock { $0.observe(nil, now: now) }
        default:
            throw StatusAnswer.error(status: read.status, body: read.body, method: "GET", path: path, server: client.config.server)
        }
        let action = machine.withLock { $0.decide(now: now, wallTime: Self.wallTime()) }
        let answer: KubernetesResponse
        let method: String
        let target: String
        switch action {
        case .follow:
            publish()
            return
        case .create(let record):
            (method, target) = ("POST", lease.collectionPath(namespace: namespace))
            answer = try client.send(method, target, body: record.object(namespace: namespace, name: name), contentType: "application/json")
        case .update(let record):
            (method, target) = ("PATCH", path)
            answer = try client.send(method, target, body: record.mergePatch(), contentType: KubernetesClient.mergePatch)
        }
        switch answer.status {
        case 200, 201:
            let stored = LeaseRecord((try? answer.tree()) ?? .null)
            machine.withLock { $0.written(stored, now: MonotonicClock.milliseconds()) }
        case 409:
            // Another candidate wrote first (or created it meanwhile): read again next round.
            machine.withLock { $0.conflicted() }
        default:
            throw StatusAnswer.error(status: answer.status, body: answer.body, method: method, path: target, server: client.config.server)
        }
        publish()
    }

    /// Tells `onChange` (and `isLeader`) when leadership started or ended.
    private func publish() {
        let now = machine.withLock { $0.isLeader }
        if leading.exchange(now, ordering: .acquiringAndReleasing) != now {
            Log.info(now ? "leading: this replica writes Ingress status" : "following: another replica writes Ingress status",
                     ["lease": "\(namespace)/\(name)", "identity": identity])
            onChange(now)
        }
    }

    private func releaseIfLeading() {
        guard let record = machine.withLock({ $0.release(wallTime: Self.wallTime()) }) else { return }
        publish()
        let path = lease.objectPath(namespace: namespace, name: name)
        do throws(KubernetesError) {
            let answer = try client.send("PATCH", path, body: record.mergePatch(), contentType: KubernetesClient.mergePatch)
            if answer.isSuccess {
                Log.info("Lease released for the next leader", ["lease": "\(namespace)/\(name)"])
            } else {
                Log.warning("Lease release refused; another replica takes over when it expires", ["lease": "\(namespace)/\(name)", "status": String(answer.status)])
            }
        } catch {
            Log.warning("Lease release failed; another replica takes over when it expires", ["lease": "\(namespace)/\(name)", "error": error.description])
        }
    }

    private func pause(_ milliseconds: UInt64) {
        let end = MonotonicClock.milliseconds() + milliseconds
        while !stopping.load(ordering: .acquiring) {
            let now = MonotonicClock.milliseconds()
            guard now < end else { return }
            usleep(UInt32(min(end - now, 100)) * 1000)
        }
    }

    static func wallTime() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return MicroTime.format(microseconds: Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000)
    }
}
