import ApusCore
import ApusHTTP
import ApusNet

/// One request/response on a downstream connection: its state machine, and the bytes and
/// cursors the worker moves for it (parser, head, upstream side, bodies, pending output,
/// log fields).
///
/// Pooled per worker (`ExchangePool`) with the capacity of its arrays, so a request
/// allocates nothing in the steady state. Thread rule: owned by one worker.
final class Exchange {
    var machine = ExchangeMachine()
    /// The connection the request came on (set while the exchange is lent to it).
    var downstream: DownstreamConnection?
    var parser: RequestHeadParser
    var head = RequestHead()
    /// The table the request started with (a reload may publish another mid-exchange).
    var table: RouteTable?
    var routeIndex = -1
    /// Session affinity or consistent hashing: the request's key and what it is (set when
    /// proxying starts on such an upstream; `.none` for an exchange that never read one).
    var balanceKey: UInt64 = 0
    var balanceKeyState = BalanceKeyState.none
    /// The affinity cookie value the response sets (a new session's); set together with
    /// `ownedResponseEdits`.
    var affinityCookie: UInt64?
    /// The connection-limit zone whose count this request holds (0: none), given back when
    /// the exchange is released.
    var heldConnectionZone: UInt64 = 0
    /// The client the count was taken for (the address may be found anew on a restart).
    var heldConnectionClient = ClientAddress(high: 0, low: 0)
    /// When the attempt the `ewma` balancer times went out (monotonic µs); 0 otherwise.
    var attemptStartMicros: UInt64 = 0
    /// The client is a browser that rejects `SameSite=None` cookies (set with the key).
    var sameSiteNoneRejected = false
    /// The client: the connection's peer, or the one trusted proxies named.
    var clientAddress = ClientAddress(high: 0, low: 0)
    /// The client as text when trusted proxies named it (nil: the peer's text stands).
    var clientText: [UInt8]?
    /// The request head's bytes are still at the front of the downstream's input (a local
    /// answer consumes them; a proxied request consumed them when its head was built).
    var headInInput = false
    var upstream: UpstreamConnection?
    /// The upstream being proxied to, from the table the request started with (a reload
    /// may renumber the worker's upstreams while this exchange is in flight).
    var runtime: UpstreamRuntime?
    /// The table's body limit when the request started (0 = none).
    var maxBodyBytes: Int64 = 0
    /// The request head as sent upstream (kept for a retry on another connection).
    var upstreamHead = PendingBytes()
    var requestBody = BodyCursor()
    /// Bytes for the downstream that come before any body: interim 100, response head,
    /// or a whole local response.
    var output = PendingBytes()
    var file: Int32 = -1
    var fileOffset = 0
    var fileRemaining = 0
    /// The route's compression settings, set at request start only when the route
    /// compresses and the request accepts gzip: the response start tests just this.
    var gzipPolicy: CompressionPolicy?
    /// The compressor while the response goes out gzip-compressed (from the worker's
    /// `GzipEncoderPool`, given back when the exchange ends).
    var gzip: GzipEncoder?
    var bytesSent = 0
    /// When the head was read (loop ms); 0 once the answer was counted.
    var startMilliseconds: UInt64 = 0
    /// The canary's upstream took the request (for the `canary` label).
    var viaCanary = false
    /// When the last upstream attempt began, its connection was ready (at once for a
    /// pooled one), and its response head arrived (loop ms; 0: not yet). For the upstream
    /// timing histograms.
    var upstreamStartedAt: UInt64 = 0
    var upstreamConnectedAt: UInt64 = 0
    var upstreamHeaderAt: UInt64 = 0
    var logFields = AccessLogFields()
    /// The matched route's response header rules for this connection's scheme (nil: none).
    ///
    /// Not reference-counted: the route table in `table` owns them for the exchange's
    /// life, or `ownedResponseEdits` does when they were chosen per request (CORS, external
    /// auth). Each use on the response path would otherwise retain and release them.
    var responseEditsHandle: Unmanaged<CompiledHeaderEdits>?
    /// `responseEditsHandle` as a reference, off the per-request path.
    var responseEdits: CompiledHeaderEdits? {
        get { responseEditsHandle?.takeUnretainedValue() }
        set { responseEditsHandle = newValue.map { Unmanaged.passUnretained($0) } }
    }
    /// Keeps per-request edits (a CORS origin's) alive while `responseEdits` points at them.
    /// Also set whenever `auth`, `errorBackend` or `requestEdits` is (to `Exchange.authMarker`
    /// if nothing else), so that the pool, the request head and the response start test one
    /// field per exchange, not four.
    var ownedResponseEdits: CompiledHeaderEdits?
    var tunnel = TunnelState()
    /// The route's external-auth check: in flight, or what its answer adds (nil on routes
    /// without external auth).
    var auth: AuthCheck?
    static let authMarker = CompiledHeaderEdits(removedNames: [], addedLines: [])
    /// The request head's edits for this request when they are not the route's (the
    /// route's plus the client-certificate fields). Set together with `ownedResponseEdits`.
    var requestEdits: CompiledHeaderEdits?
    /// The client-certificate fields of `requestEdits`, for the auth request.
    var clientCertificateLines: [UInt8]?
    /// The route's error backend while an answer may still be diverted to it (nil on
    /// routes without one, and once it was used). Set together with `ownedResponseEdits`,
    /// as `auth` is.
    var errorBackend: CompiledErrorBackend?
    /// A copy of the request head for the error backend's request (the head left the
    /// input buffer when it was proxied); the head's offsets index it. Kept with its
    /// capacity; filled only on routes with an error backend.
    var savedHead: [UInt8] = []
    /// The X-Request-ID sent upstream when the client sent none, for the error backend.
    var generatedRequestID: (UInt64, UInt64) = (0, 0)

    init(limits: HTTPLimits) {
        parser = RequestHeadParser(limits: limits)
    }

    var status: Int { machine.status }

    /// Clears everything for the next request, keeping array capacity (the machine is
    /// set when the head is parsed).
    /// Always inlined into the pool's `take`: left to the compiler it was outlined once
    /// readRequestHead grew, at 16 instructions more per request (callgrind).
    @inline(__always)
    func reset(limits: HTTPLimits) {
        parser = RequestHeadParser(limits: limits)
        head.reset()
        table = nil
        routeIndex = -1
        if clientText != nil { clientText = nil }
        headInInput = false
        upstream = nil
        runtime = nil
        maxBodyBytes = 0
        upstreamHead.clear()
        output.clear()
        file = -1
        fileOffset = 0
        fileRemaining = 0
        bytesSent = 0
        viaCanary = false
        // `requestBody` is set when proxying starts and `tunnel` when a tunnel opens: nothing
        // reads them before.
    }
}

/// A worker's spare `Exchange`s.
struct ExchangePool {
    private var spares: [Exchange] = []
    private let maxSpares = 64

    mutating func take(limits: HTTPLimits) -> Exchange {
        if let exchange = spares.popLast() {
            exchange.reset(limits: limits)
            return exchange
        }
        return Exchange(limits: limits)
    }

    mutating func give(_ exchange: Exchange) {
        // A spare must not keep its connection, an old route table or an upstream alive.
        exchange.downstream = nil
        exchange.table = nil
        exchange.upstream = nil
        exchange.runtime = nil
        // Dropped here rather than in `reset`, once per exchange; the owned ones tested
        // first because storing nil over nil still calls swift_release.
        exchange.responseEditsHandle = nil
        if exchange.ownedResponseEdits != nil {
            exchange.ownedResponseEdits = nil
            if exchange.auth != nil { exchange.auth = nil }
            if exchange.errorBackend != nil { exchange.errorBackend = nil }
            if exchange.requestEdits != nil {
                exchange.requestEdits = nil
                exchange.clientCertificateLines = nil
            }
            exchange.affinityCookie = nil
        }
        // `gzip` went back to its pool already (`releaseExchange`); the policy is dropped here
        // rather than in `reset`, once per exchange.
        exchange.gzipPolicy = nil
        // The key belongs to this exchange's upstream; an error backend's upstream reached
        // later by a reused exchange must not read it.
        exchange.balanceKeyState = .none
        exchange.attemptStartMicros = 0
        if spares.count < maxSpares { spares.append(exchange) }
    }
}

/// What `Exchange.balanceKey` holds.
enum BalanceKeyState: UInt8 {
    case none
    /// The hash of the upstream's `hash_by` text.
    case hashed
    /// The affinity cookie's session key or endpoint token.
    case session
    /// A new session's key: the request came without a usable cookie.
    case newSession
}
