import ApusControl
import ApusCore
import ApusNet
import ApusProxy
import Glibc

/// The running data plane of `serve` and `controller`: listeners checked, access log
/// open, workers started on a first table.
struct DataPlane {
    let state: ProxyState
    let server: ProxyServer
    let accessLog: AccessLogWriter?
    let workerCount: Int

    /// Starts the workers on `snapshot`; nil (after logging why) when a listener can't be
    /// bound, the access log can't be opened or a worker fails.
    static func start(_ snapshot: Snapshot) -> DataPlane? {
        let table = snapshot.table
        let openFiles = OpenFileLimit.raiseToHard()
        Log.info("open files", ["limit": String(openFiles), "kept_from_clients": String(OpenFileLimit.clientReserve(limit: openFiles))])
        let problems = ProxyServer.checkListeners(table)
        guard problems.isEmpty else {
            for problem in problems { Log.error("cannot listen", ["detail": problem]) }
            return nil
        }
        let accessLog: AccessLogWriter?
        do {
            accessLog = table.accessLog.format == .off ? nil : try AccessLogWriter(path: table.accessLog.path)
        } catch {
            Log.error("cannot open access log", ["error": error.description])
            return nil
        }
        accessLog?.start()
        let publisher = SnapshotPublisher(snapshot)
        let state = ProxyState(publisher: publisher, metrics: MetricsRegistry(), accessLog: accessLog)
        let server = ProxyServer(state: state)
        let workerCount = ServeCommand.workers(table.workers)
        guard server.start(workers: workerCount) else {
            Log.error("workers failed to start")
            return nil
        }
        return DataPlane(state: state, server: server, accessLog: accessLog, workerCount: workerCount)
    }

    /// Lets the signal thread drain and exit when a SIGTERM finds the control thread busy
    /// (see `Signals`): with the table's drain timeout as of now.
    func drainOnUntakenTermination(timeoutMilliseconds: Int) {
        nonisolated(unsafe) let plane = self
        Signals.onUntakenTermination {
            plane.drain(timeoutMilliseconds: timeoutMilliseconds)
            exit(0)
        }
    }

    /// Stops accepting, lets in-flight requests finish for at most `timeoutMilliseconds`,
    /// then closes the access log.
    func drain(timeoutMilliseconds: Int) {
        state.beginDrain()
        let clean = server.waitForWorkers(milliseconds: timeoutMilliseconds)
        if !clean { Log.warning("drain deadline passed; exiting with connections open") }
        accessLog?.stop()
        Log.info("stopped")
    }
}
