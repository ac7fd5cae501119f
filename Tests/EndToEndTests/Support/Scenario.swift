// EndToEndTests — the real `apus` binary, real sockets, real peers; no mocks.
//
// Run:   flock /tmp/apus-build.lock swift build --build-tests && swift test --skip-build --filter EndToEndTests
// Binary: <package root>/.build/debug/apus, or $APUS_BINARY. Missing → every apus test fails, naming the path.
// Keep temp dirs (configs, apus.stderr, backend logs) for a post-mortem: APUS_E2E_KEEP=1.
// Print each test's apus stderr tail when it ends: APUS_E2E_LOGS=1.
// Peers needed on the machine (Debian packages): curl, python3, nginx-light (or any nginx at
// /usr/sbin/nginx), util-linux (setsid), openssl, nghttp2-client (nghttp, h2load), chromium;
// plus Python's `websockets`, `prometheus_client` and `h2` from pip for the WebSocket,
// metrics and HTTP/2 tests. scripts/setup.sh installs them all; tests download nothing.
//
// Layout: one file per behaviour (haproxy reg-tests style); Support/ holds the harness:
//   Scenario (per-test temp dir + process cleanup + concurrency gate), ApusProcess, PythonBackend
//   (BackendScript), NginxBackend, BlackholeListener, RawConnection + HTTPResponse, HTTPClient,
//   Curl, PortAllocator, ResidentMemorySampler, ApusConfig (YAML helpers), Probe, WebSocketPeer
//   (WebSocketScript), TestCertificates (make-dev-certs.sh at test time), RealKubeAPI (a real
//   kube-apiserver and etcd from ../shared/kubernetes/apiserver, per test) + NetworkNamespace (backends
//   on a non-loopback address it accepts), KubeAPIServer (KubeAPIScript: a Kubernetes API test server,
//   only for faults a real one cannot show on demand) + ControllerUnderTest (ControllerHarness).
// The real-API tests need root (ip netns), zstd and iproute2; scripts/setup.sh installs the packages.
import Foundation
import Synchronization
import Testing

/// One test's world: a temp dir, free ports, and every process it starts, all torn down
/// (SIGKILL, directory removed) when the test's body ends, however it ends.
final class Scenario: Sendable {
    let dir: TempDirectory
    private let children = Mutex<[ChildProcess]>([])
    private let apusProcesses = Mutex<[ApusProcess]>([])
    private let cleanups = Mutex<[@Sendable () async -> Void]>([])

    fileprivate init() throws { dir = try TempDirectory() }

    /// Registers a child so it is killed when the test ends.
    func track(_ child: ChildProcess) {
        children.withLock { $0.append(child) }
    }

    /// Runs `cleanup` when the test ends, after its processes are killed and before its
    /// directory goes (in reverse order of registration): for what is not a child process.
    func afterTearDown(_ cleanup: @escaping @Sendable () async -> Void) {
        cleanups.withLock { $0.append(cleanup) }
    }

    /// A free loopback port.
    func port() throws -> Int { try PortAllocator.freePort() }

    /// Starts a named Python upstream.
    func backend(_ name: String) async throws -> PythonBackend {
        let backend = try await PythonBackend.start(name: name, in: dir)
        children.withLock { $0.append(backend.child) }
        return backend
    }

    /// Starts `apus serve --config` with `yaml`, waiting for `waitFor` ports to accept.
    func apus(_ yaml: String, waitFor ports: [Int], launcher: [String] = []) async throws -> ApusProcess {
        let apus = try await ApusProcess.serve(config: yaml, in: dir, waitFor: ports, launcher: launcher)
        children.withLock { $0.append(apus.child) }
        apusProcesses.withLock { $0.append(apus) }
        return apus
    }

    /// Starts `apus <arguments>`, waiting for `waitFor` ports to accept.
    func apus(arguments: [String], waitFor ports: [Int]) async throws -> ApusProcess {
        let apus = try await ApusProcess.launch(arguments, in: dir, waitFor: ports)
        children.withLock { $0.append(apus.child) }
        apusProcesses.withLock { $0.append(apus) }
        return apus
    }

    /// curl with the scenario's temp dir for its scratch files.
    func curl(_ arguments: [String], timeout: Duration = .seconds(30)) async throws -> Curl.Result {
        try await Curl.run(arguments, in: dir, timeout: timeout)
    }

    fileprivate func tearDown() async {
        if ProcessInfo.processInfo.environment["APUS_E2E_LOGS"] == "1" {
            for apus in apusProcesses.withLock({ $0 }) {
                print("--- apus stderr for \(Test.current?.name ?? "?") (\(dir.path)):\n\(apus.stderrTail())")
            }
        }
        for child in children.withLock({ $0 }) { await child.kill() }
        for cleanup in cleanups.withLock({ $0 }).reversed() { await cleanup() }
        dir.remove()
    }
}

/// Runs `body` in a fresh `Scenario`. At most `ScenarioGate.capacity` slots run at once on this
/// 2-core machine so timing-sensitive tests aren't starved; heavy tests take more slots.
/// Time limits count the wait for a slot too, which is why light tests get 3 minutes and the 1 GiB
/// tests 5: a light test may queue behind every heavy one (about 50 s here). Hangs are bounded
/// anyway, since every read and wait in the harness has its own deadline.
func withScenario<T: Sendable>(slots: Int = 1, _ body: (Scenario) async throws -> T) async throws -> T {
    await ScenarioGate.shared.acquire(slots)
    let scenario: Scenario
    do { scenario = try Scenario() } catch {
        await ScenarioGate.shared.release(slots)
        throw error
    }
    do {
        let result = try await body(scenario)
        await scenario.tearDown()
        await ScenarioGate.shared.release(slots)
        return result
    } catch {
        await scenario.tearDown()
        await ScenarioGate.shared.release(slots)
        throw error
    }
}

/// A counting semaphore over scenario slots (FIFO, so big requests aren't starved).
actor ScenarioGate {
    static let capacity = 4
    static let shared = ScenarioGate()

    private var free = capacity
    private var waiters: [(slots: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func acquire(_ slots: Int) async {
        let wanted = min(slots, Self.capacity)
        if waiters.isEmpty, free >= wanted {
            free -= wanted
            return
        }
        await withCheckedContinuation { waiters.append((wanted, $0)) }
    }

    func release(_ slots: Int) {
        free += min(slots, Self.capacity)
        while let first = waiters.first, free >= first.slots {
            free -= first.slots
            waiters.removeFirst()
            first.continuation.resume()
        }
    }
}
