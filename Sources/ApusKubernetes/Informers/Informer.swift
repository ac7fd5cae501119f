import ApusNet
import Glibc
import Synchronization

/// Keeps one kind of object in a `ClusterStore` up to date: list (in pages), then watch
/// from the list's resourceVersion with bookmarks, on its own thread.
///
/// - `410 Gone` (an ERROR event or a 410 answer) → relist; the old objects stay in the
///   store until the new list replaces them whole, so routes never drop meanwhile.
/// - A watch the server ends (its timeout) → watch again from the last resourceVersion.
/// - A failure (unreachable, 401, 403, malformed) → log it, wait (jittered backoff up to
///   30 s), then resume the watch from the last resourceVersion, or relist if there is none.
/// Thread rule: `start` once; `stop` from any thread (takes effect at the next wake-up).
public final class Informer: Sendable {
    public let kind: ResourceKind
    private let client: KubernetesClient
    private let store: ClusterStore
    private let namespace: String?
    private let settings: InformerSettings
    private let stopped = Atomic<Bool>(false)

    public init(kind: ResourceKind, client: KubernetesClient, store: ClusterStore, namespace: String?, settings: InformerSettings = InformerSettings()) {
        self.kind = kind
        self.client = client
        self.store = store
        self.namespace = kind.apiResource.isNamespaced ? namespace : nil
        self.settings = settings
    }

    public func start() {
        spawnDetachedThread { [self] in run() }
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    private func run() {
        var resourceVersion: String?
        var backoff = Backoff(initialMilliseconds: settings.initialBackoffMilliseconds, capMilliseconds: settings.maxBackoffMilliseconds)
        var failing = false
        while !isStopped {
            do throws(KubernetesError) {
                if resourceVersion == nil {
                    resourceVersion = try list()
                    if failing { Log.info("Kubernetes API reachable again; listed", ["kind": kind.rawValue]) }
                    failing = false
                    backoff.reset()
                }
                let outcome = try watch(from: resourceVersion!, backoff: &backoff) {
                    if failing {
                        Log.info("Kubernetes API reachable again; watching", ["kind": kind.rawValue, "resource_version": resourceVersion!])
                        failing = false
                    }
                }
                resourceVersion = outcome.relist ? nil : outcome.resourceVersion
            } catch .expired(let message) {
                Log.info("resourceVersion expired; relisting (the current objects keep serving until the new list is read)", ["kind": kind.rawValue, "detail": message])
                resourceVersion = nil
            } catch {
                let wait = backoff.next()
                failing = true
                let fields: KeyValuePairs<String, String> = [
                    "kind": kind.rawValue, "error": error.description, "retry_in_ms": String(wait),
                ]
                switch error {
                case .forbidden, .unauthorized, .configuration:
                    Log.error("Kubernetes API refused the controller; the last routes keep serving", fields)
                default:
                    Log.warning("Kubernetes API request failed; the last routes keep serving", fields)
                }
                sleep(milliseconds: wait)
            }
        }
    }

    /// Lists every page; replaces this kind's objects in the store; returns the list's resourceVersion.
    private func list() throws(KubernetesError) -> String {
        var objects: [KubernetesObject] = []
        var continueToken: String?
        var resourceVersion = ""
        var pages = 0
        repeat {
            var query = [("limit", String(settings.pageSize))]
            if let continueToken { query.append(("continue", continueToken)) }
            let path = kind.path(namespace: namespace, query: query)
            let response = try client.send("GET", path)
            guard response.status == 200 else {
                throw StatusAnswer.error(status: response.status, body: response.body, method: "GET", path: path, server: client.config.server)
            }
            let page = try decodePage(response.body)
            objects += page.objects
            resourceVersion = page.resourceVersion
            continueToken = page.continueToken
            pages += 1
        } while continueToken != nil && !isStopped
        guard !resourceVersion.isEmpty else {
            throw .malformed(server: client.config.server, reason: "the \(kind.apiResource.plural) list has no metadata.resourceVersion")
        }
        let wasSynced = !store.unsyncedKinds.contains(kind)
        store.update { $0.replace(kind, with: objects) }
        store.markSynced(kind)
        let fields: KeyValuePairs<String, String> = ["kind": kind.rawValue, "objects": String(objects.count), "pages": String(pages), "resource_version": resourceVersion]
        if wasSynced { Log.info("relisted", fields) } else { Log.info("listed", fields) }
        return resourceVersion
    }

    private struct Page {
        var objects: [KubernetesObject]
        var resourceVersion: String
        var continueToken: String?
    }

    /// Reads a list page item by item: one object the decoder refuses is logged and
    /// skipped, never the whole kind.
    private func decodePage(_ body: [UInt8]) throws(KubernetesError) -> Page {
        let tree: ObjectTree
        do {
            tree = try ObjectTree.parseJSON(body)
        } catch {
            throw .malformed(server: client.config.server, reason: "the \(kind.apiResource.plural) list is not JSON (\(error.problem))")
        }
        guard case .list(let items)? = tree["items"] ?? .list([]) else {
            throw .malformed(server: client.config.server, reason: "the \(kind.apiResource.plural) list has no items")
        }
        var objects: [KubernetesObject] = []
        objects.reserveCapacity(items.count)
        for item in items {
            do {
                objects.append(try ObjectDecoder.decode(item, kindHint: kind.objectKind))
            } catch {
                Log.warning("object ignored: it cannot be read", ["kind": kind.rawValue, "error": error.description])
            }
        }
        let metadata = tree["metadata"]
        var page = Page(objects: objects, resourceVersion: metadata?["resourceVersion"]?.text ?? "")
        if let token = metadata?["continue"]?.text, !token.isEmpty { page.continueToken = token }
        return page
    }

    private struct WatchOutcome {
        var resourceVersion: String
        var relist: Bool
    }

    /// Watches until the server ends the stream or asks for a relist.
    private func watch(from resourceVersion: String, backoff: inout Backoff, onOpen: () -> Void) throws(KubernetesError) -> WatchOutcome {
        var outcome = WatchOutcome(resourceVersion: resourceVersion, relist: false)
        let timeout = settings.watchTimeoutSeconds + Int.random(in: 0...settings.watchTimeoutSeconds)
        let path = kind.path(namespace: namespace, query: [
            ("watch", "1"), ("resourceVersion", resourceVersion), ("allowWatchBookmarks", "true"), ("timeoutSeconds", String(timeout)),
        ])
        var failure: KubernetesError?
        try client.watch(path, onOpen: {
            backoff.reset()
            onOpen()
        }) { event in
            if isStopped { return false }
            switch event.type {
            case "ADDED", "MODIFIED":
                apply(event, delete: false)
            case "DELETED":
                apply(event, delete: true)
            case "BOOKMARK":
                break
            case "ERROR":
                let code = event.object["code"]?.text.flatMap { Int($0) } ?? 0
                let message = event.object["message"]?.text ?? "watch error"
                if code == 410 {
                    failure = .expired(message: message)
                } else {
                    // Anything else the server reports in-stream: start over from a list.
                    Log.warning("watch error event; relisting", ["kind": kind.rawValue, "code": String(code), "detail": message])
                    outcome.relist = true
                }
                return false
            default:
                Log.warning("unknown watch event type ignored", ["kind": kind.rawValue, "type": event.type])
            }
            if let version = event.resourceVersion, !version.isEmpty { outcome.resourceVersion = version }
            return true
        }
        if let failure { throw failure }
        return outcome
    }

    private func apply(_ event: WatchEvent, delete: Bool) {
        do {
            let object = try ObjectDecoder.decode(event.object, kindHint: kind.objectKind)
            if delete {
                store.update { $0.remove(object.reference) }
            } else {
                store.update { $0.insert(object) }
            }
        } catch {
            // An object the decoder refuses is not served in any version: drop the old one.
            let meta = event.object["metadata"]
            let name = meta?["name"]?.text ?? ""
            let namespace = kind.apiResource.isNamespaced ? (meta?["namespace"]?.text ?? "default") : ""
            store.update { $0.remove(ObjectReference(kind: kind.objectKind, namespace: namespace, name: name)) }
            if !delete { Log.warning("object ignored: it cannot be read", ["kind": kind.rawValue, "error": error.description]) }
        }
    }

    private func sleep(milliseconds: UInt64) {
        let end = MonotonicClock.milliseconds() + milliseconds
        while !isStopped {
            let now = MonotonicClock.milliseconds()
            guard now < end else { return }
            usleep(UInt32(min(end - now, 200)) * 1000)
        }
    }
}

/// Tunables of the informers (tests shorten them).
public struct InformerSettings: Sendable {
    /// Items per list page (`limit`).
    public var pageSize: Int = 500
    /// Watches ask for this many seconds plus up to as many again at random, as client-go does.
    public var watchTimeoutSeconds: Int = 300
    public var initialBackoffMilliseconds: UInt64 = 500
    public var maxBackoffMilliseconds: UInt64 = 30_000

    public init() {}
}
