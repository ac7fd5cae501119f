import ApusHTTP
import ApusNet

/// A small HTTP/1.1 client for the Kubernetes API: one request per connection, blocking
/// on the calling control-plane thread with deadlines, JSON in and out.
///
/// `send` returns every HTTP answer except 401 and 403, which are never part of a normal
/// flow and always throw with what to fix; callers branch on 404/409/410 themselves
/// (`StatusAnswer.error(status:body:method:path:server:)` turns any answer into the error
/// it stands for). `watch` streams a chunked watch answer event by event.
/// The token goes only into the Authorization header: never into an error or a log line.
/// Thread rule: any thread; each call uses its own connection.
public final class KubernetesClient: Sendable {
    public let config: KubernetesClientConfig
    private let tlsContext: TLSClientContext?
    private let token: BearerToken
    /// Deadline of a whole `send` (connect, request, answer).
    public let requestTimeoutMilliseconds: UInt64
    /// A watch with no byte for this long is taken as dead (the server sends nothing on an
    /// idle watch, so this must exceed the `timeoutSeconds` the caller asked for).
    public let watchIdleTimeoutMilliseconds: UInt64
    /// Bodies larger than this are refused (a list page is far smaller).
    static let maxBodyBytes = 256 << 20
    /// The content type of a JSON merge patch (RFC 7386), the controller's only way to write
    /// an existing object: it changes the fields it names and nothing else.
    public static let mergePatch = "application/merge-patch+json"

    public init(config: KubernetesClientConfig, requestTimeoutMilliseconds: UInt64 = 30_000, watchIdleTimeoutMilliseconds: UInt64 = 330_000) throws(KubernetesError) {
        self.config = config
        self.requestTimeoutMilliseconds = requestTimeoutMilliseconds
        self.watchIdleTimeoutMilliseconds = watchIdleTimeoutMilliseconds
        token = BearerToken(config.token)
        if config.scheme == .https {
            do {
                tlsContext = try TLSClientContext(
                    caFile: config.caFile, serverName: config.tlsServerName, verify: !config.insecureSkipTLSVerify,
                    certificateFile: config.clientCertificateFile, keyFile: config.clientKeyFile,
                    caPEM: config.caPEM, certificatePEM: config.clientCertificatePEM, keyPEM: config.clientKeyPEM)
            } catch {
                throw .configuration("TLS settings for \(config.url) (\(config.origin)): \(error.message)")
            }
        } else {
            tlsContext = nil
        }
    }

    /// One request; the whole answer is read. `path` includes the query.
    public func send(_ method: String, _ path: String, body: [UInt8]? = nil, contentType: String? = nil) throws(KubernetesError) -> KubernetesResponse {
        let deadline = MonotonicClock.milliseconds() + requestTimeoutMilliseconds
        var opened = try open(method, path, body: body, contentType: contentType, deadline: deadline)
        defer { opened.connection.close() }
        var collected: [UInt8] = []
        try opened.readBody(deadline: { deadline }) { piece throws(KubernetesError) in
            collected.append(contentsOf: piece)
            if collected.count > Self.maxBodyBytes {
                throw .malformed(server: config.server, reason: "\(method) \(path): the answer is larger than \(Self.maxBodyBytes >> 20) MiB")
            }
            return true
        }
        let response = KubernetesResponse(status: opened.status, body: collected)
        if response.status == 401 || response.status == 403 {
            if response.status == 401 { token.invalidate() }
            throw StatusAnswer.error(status: response.status, body: response.body, method: method, path: path, server: config.server)
        }
        return response
    }

    /// Opens a watch (`path` with `watch=1` in its query) and calls `onEvent` for each
    /// event until the server ends the stream (returns normally) or `onEvent` returns false.
    /// A non-200 answer throws (`.expired` for 410, `.forbidden` for 403, ...).
    public func watch(_ path: String, onEvent: (WatchEvent) -> Bool) throws(KubernetesError) {
        try watch(path, onOpen: {}, onEvent: onEvent)
    }

    /// `watch`, with `onOpen` called once the server accepted the watch (200), before any
    /// event: an idle watch may carry no event for minutes.
    func watch(_ path: String, onOpen: () -> Void, onEvent: (WatchEvent) -> Bool) throws(KubernetesError) {
        let idle = watchIdleTimeoutMilliseconds
        var opened = try open("GET", path, body: nil, contentType: nil, deadline: MonotonicClock.milliseconds() + requestTimeoutMilliseconds)
        defer { opened.connection.close() }
        guard opened.status == 200 else {
            var collected: [UInt8] = []
            let deadline = MonotonicClock.milliseconds() + requestTimeoutMilliseconds
            try? opened.readBody(deadline: { deadline }) { piece throws(KubernetesError) in
                collected.append(contentsOf: piece)
                return collected.count < 1 << 20
            }
            if opened.status == 401 { token.invalidate() }
            throw StatusAnswer.error(status: opened.status, body: collected, method: "GET", path: path, server: config.server)
        }
        onOpen()
        // Each event is one JSON object ending in "\n". A real server's chunks do not follow
        // events: Go's 2048-byte write buffer puts several small events in one chunk and cuts a
        // burst at 2048 bytes, mid-JSON; only the lines are what the format promises.
        var line: [UInt8] = []
        var stopped = false
        let server = config.server
        try opened.readBody(deadline: { MonotonicClock.milliseconds() + idle }) { piece throws(KubernetesError) in
            var start = piece.startIndex
            while let newline = piece[start...].firstIndex(of: 10) {
                line.append(contentsOf: piece[start..<newline])
                start = newline + 1
                if line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) {
                    line.removeAll(keepingCapacity: true)
                    continue
                }
                let event = try Self.event(line, server: server)
                line.removeAll(keepingCapacity: true)
                if !onEvent(event) {
                    stopped = true
                    return false
                }
            }
            line.append(contentsOf: piece[start...])
            if line.count > Self.maxBodyBytes { throw .malformed(server: server, reason: "a watch event longer than \(Self.maxBodyBytes >> 20) MiB") }
            return true
        }
        if !stopped, !line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) {
            // The stream ended with an unterminated event: still an event.
            _ = onEvent(try Self.event(line, server: server))
        }
    }

    static func event(_ line: [UInt8], server: String) throws(KubernetesError) -> WatchEvent {
        let tree: ObjectTree
        do {
            tree = try ObjectTree.parseJSON(line)
        } catch {
            throw .malformed(server: server, reason: "a watch event is not JSON (\(error.problem))")
        }
        guard case .scalar(let type, _)? = tree["type"], let object = tree["object"], case .map = object else {
            throw .malformed(server: server, reason: "a watch event without type or object")
        }
        return WatchEvent(type: type, object: object)
    }

    /// Connects, sends the request and reads the response head.
    private func open(_ method: String, _ path: String, body: [UInt8]?, contentType: String?, deadline: UInt64) throws(KubernetesError) -> OpenResponse {
        let bearer = try token.current(nowMilliseconds: MonotonicClock.milliseconds())
        let connection = try APIConnection(config: config, tlsContext: tlsContext, deadline: deadline)
        do throws(KubernetesError) {
            var head = "\(method) \(path) HTTP/1.1\r\nHost: \(config.server)\r\nUser-Agent: apus-controller\r\nAccept: application/json\r\n"
            if let bearer { head += "Authorization: Bearer \(bearer)\r\n" }
            if let body {
                head += "Content-Type: \(contentType ?? "application/json")\r\nContent-Length: \(body.count)\r\n"
            }
            head += "Connection: close\r\n\r\n"
            try connection.writeAll(Array(head.utf8) + (body ?? []), deadline: deadline)
            return try OpenResponse.readHead(connection, method: method, path: path, deadline: deadline)
        } catch {
            connection.close()
            throw error
        }
    }
}

/// A response whose head was read: status, framing and the bytes read past the head.
struct OpenResponse {
    let connection: APIConnection
    let status: Int
    let framing: BodyFraming
    var pending: [UInt8]

    static func readHead(_ connection: APIConnection, method: String, path: String, deadline: UInt64) throws(KubernetesError) -> OpenResponse {
        var parser = ResponseHeadParser(maxHeadBytes: 65_536, maxHeaderCount: 200)
        var head = ResponseHead()
        var bytes: [UInt8] = []
        while true {
            let chunk = try connection.read(deadline: deadline, waiting: "no answer to \(method) \(APIPath.withoutQuery(path))")
            if chunk.isEmpty {
                throw bytes.isEmpty
                    ? .connectionLost(server: connection.server, reason: "closed before answering \(method) \(APIPath.withoutQuery(path))")
                    : .malformed(server: connection.server, reason: "the connection closed inside the response head")
            }
            bytes += chunk
            let result = bytes.withUnsafeBytes { parser.parse($0, requestMethod: method == "HEAD" ? .head : .get, into: &head) }
            switch result {
            case .needMore:
                continue
            case .failed(let error):
                throw .malformed(server: connection.server, reason: "not an HTTP/1.1 answer (\(error))")
            case .complete:
                // 1xx answers (100 Continue) precede the real one.
                if head.status < 200 {
                    bytes.removeFirst(head.headLength)
                    continue
                }
                return OpenResponse(connection: connection, status: head.status, framing: head.framing, pending: Array(bytes[head.headLength...]))
            }
        }
    }

    /// Feeds the body, de-chunked, to `consume` until it ends or `consume` returns false.
    /// `deadline` is asked before each wait (fixed for a request, sliding for a watch).
    mutating func readBody(deadline: () -> UInt64, _ consume: (ArraySlice<UInt8>) throws(KubernetesError) -> Bool) throws(KubernetesError) {
        var remaining: Int64
        switch framing {
        case .none: return
        case .contentLength(let length): remaining = length
        case .chunked, .untilClose: remaining = -1
        }
        var decoder = ChunkedDecoder()
        var input = pending
        pending = []
        let server = connection.server
        while true {
            // Hand over what is buffered.
            var offset = 0
            while offset < input.count {
                switch framing {
                case .chunked:
                    let step = input.withUnsafeBytes { raw in decoder.decode(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
                    switch step {
                    case .needMore(let consumed):
                        offset += consumed
                    case .data(let dataOffset, let count, let consumed):
                        let start = offset + dataOffset
                        offset += consumed
                        guard try consume(input[start..<start + count]) else { return }
                    case .end:
                        return
                    case .failed(let error):
                        throw .malformed(server: server, reason: "bad chunked framing (\(error))")
                    }
                case .contentLength:
                    let take = Int(min(Int64(input.count - offset), remaining))
                    remaining -= Int64(take)
                    let piece = input[offset..<offset + take]
                    offset += take
                    guard try consume(piece) else { return }
                    if remaining == 0 { return }
                default:
                    let piece = input[offset...]
                    offset = input.count
                    guard try consume(piece) else { return }
                }
            }
            input = try connection.read(deadline: deadline(), waiting: "the answer stalled")
            if input.isEmpty {
                if case .untilClose = framing { return }
                throw .connectionLost(server: server, reason: "closed in the middle of the answer")
            }
        }
    }
}

extension APIPath {
    /// The path without its query, for messages (a query may carry a continue token).
    static func withoutQuery(_ path: String) -> String {
        path.firstIndex(of: "?").map { String(path[..<$0]) } ?? path
    }
}
