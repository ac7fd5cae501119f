import ApusHTTP

/// One request's life on a downstream connection, decided without doing anything: the
/// worker reports what happened (`Event`), the machine updates its state and answers what
/// to do next (`Action`). Retries, response framing, keep-alive, linger and every deadline
/// are decided here; the worker owns the sockets, the clock and the pools, and carries
/// the actions out.
///
///     routing ──local answer or refusal──────────────► responding ──sent──► done
///        └──upstream──► connecting ──connected──► exchanging ──body done──► done
///                          ▲   │ failed                │  └── 101 ──► tunneling ──► done
///                          └───┴── retry ◄─────────────┘ failed before any answer
///
/// No syscall and no clock read: `now` comes with each event, and deadlines are state
/// (`downstreamDeadline`, `upstreamDeadline`) that the worker mirrors into its timer wheel.
/// The HTTP/1.1 connection feeds it one exchange at a time; nothing in it assumes the
/// connection, so a multiplexed connection can hold one per stream, and a sub-request can
/// be a second machine whose outcome the worker reports to the first.
struct ExchangeMachine {
    enum Stage: Equatable {
        /// The head is parsed; the worker is routing it.
        case routing
        /// A response Apus makes itself (error, redirect, static file, admin) is going out.
        case responding
        /// Waiting for an upstream connection (TCP connect, then TLS).
        case connecting
        /// Request going upstream, response coming back.
        case exchanging
        /// The upstream accepted an Upgrade: both connections carry opaque bytes.
        case tunneling
        case done
    }

    /// What the machine needs of a parsed request head.
    struct Request: Equatable {
        var method: HTTPMethod
        var version: HTTPVersion
        /// The client asked to keep the connection (HTTP/1.1 default, 1.0 keep-alive).
        var keepAlive: Bool
        var hasBody: Bool
        var isUpgrade: Bool
        var expectsContinue: Bool

        init(method: HTTPMethod = .get, version: HTTPVersion = .http11, keepAlive: Bool = true, hasBody: Bool = false,
             isUpgrade: Bool = false, expectsContinue: Bool = false) {
            self.method = method
            self.version = version
            self.keepAlive = keepAlive
            self.hasBody = hasBody
            self.isUpgrade = isUpgrade
            self.expectsContinue = expectsContinue
        }

        init(_ head: RequestHead) {
            self.init(method: head.method, version: head.version, keepAlive: head.keepAlive, hasBody: head.hasBody,
                      isUpgrade: head.isUpgrade, expectsContinue: head.expectsContinue)
        }
    }

    /// The rules of the upstream a route proxies to. Milliseconds in 32 bits, so that the
    /// `proxy` event stays small (a longer timeout is clamped to 49 days).
    struct UpstreamTerms: Equatable {
        /// Attempts per request, each on another endpoint.
        var maxAttempts: Int32
        var connectTimeout: UInt32
        var sendTimeout: UInt32
        var readTimeout: UInt32
        /// 0: a tunnel never idles out.
        var tunnelIdleTimeout: UInt32
        /// No retry after this long since the first attempt; 0: no limit.
        var retryWindow: UInt32 = 0
        /// Replay a non-idempotent request after its connection failed before any answer.
        var retryNonIdempotent: Bool
        /// A client that leaves does not end the exchange.
        var ignoreClientAbort: Bool
    }

    /// What went wrong upstream. The same names as the error metric's kinds.
    enum Failure: Equatable {
        case noEndpoint
        case localResources
        case connectRefused
        case connectTimeout
        case tlsHandshake
        /// Reset, or closed before the response was complete.
        case reset
        case sendTimeout
        case readTimeout
        /// Not HTTP, a head or chunk-size line past a buffer, broken chunking, or a 101
        /// that answers no Upgrade.
        case invalidResponse
        case tooManyInterimResponses
        /// An HTTP/2 upstream closed the stream unprocessed (REFUSED_STREAM, or above the
        /// last stream id of its GOAWAY): nothing of the request was acted on.
        case refused
    }

    /// What comes after the response: the connection's next step.
    enum Ending: Equatable {
        /// Wait for the next request.
        case keepAlive
        /// Half-close and read what the client still sends, briefly, then close (so unread
        /// request bytes do not turn into a reset that destroys the response in flight).
        case linger
        case close
    }

    /// The fate of the upstream connection at the end of an exchange.
    enum UpstreamRelease: Equatable {
        case none
        case pool
        case close
    }

    /// How a response from upstream goes downstream. Small, so that an `Action` is.
    struct ResponsePlan: Equatable {
        var framing: HeadSerializer.DownstreamFraming
        /// How the upstream's body is read (and, for `.chunkedStrip`, unframed).
        var body: BodyCursor.Mode
        /// The body's length for `.length`.
        var bodyLength: Int64 = 0
        var compressed: Bool

        /// The cursor that reads the upstream's body as planned.
        var bodyCursor: BodyCursor {
            body == .length ? BodyCursor(length: bodyLength) : BodyCursor(mode: body)
        }
    }

    /// What the worker reports.
    enum Event: Equatable {
        /// The worker answers locally (error, redirect, fixed, static, admin); `close`
        /// ends the connection after the answer (a request that cannot be trusted).
        case respondLocally(status: Int, close: Bool)
        /// The request goes to an upstream with these terms.
        case proxy(UpstreamTerms)
        /// An error is answered by another upstream (an error backend) with these terms: a
        /// request without a body goes there, and its response is the one passed on. Comes
        /// instead of a response head or an error answer that nothing was sent of yet.
        case divert(UpstreamTerms)
        /// A connection to endpoint `endpoint` (index in the upstream) is attached:
        /// `reused` from the pool, else connecting.
        case attached(endpoint: Int, reused: Bool)
        /// The new connection is up (connected, TLS handshake done).
        case connected
        /// Request bytes went upstream: `headDone` once the whole head went, `bodyBytes`
        /// of body in this write, `bodyDone` once the whole body went.
        case requestSent(headDone: Bool, bodyBytes: Int, bodyDone: Bool)
        /// The request body cannot go on (broken chunking 400, past the size limit 413).
        case requestRefused(status: Int)
        /// The client closed its side while its request body was still coming.
        case clientLeft
        /// The client's FIN or reset was seen while its request was with the upstream.
        case clientHangup
        /// Bytes arrived from the upstream.
        case responseRead
        /// The final response head arrived; `compress` when the worker found it fit for gzip.
        case responseHead(status: Int, framing: BodyFraming, compress: Bool)
        /// The response body was read to its end and sent on: `upstreamReusable` when the
        /// upstream's connection may carry another request.
        case responseDone(upstreamReusable: Bool, inputPending: Bool, draining: Bool)
        /// A local response went out completely.
        case responseSent(inputPending: Bool, draining: Bool)
        case upstreamFailed(Failure)
        /// A downstream write came back short (`blocked`) or took everything asked.
        case downstreamWrote(blocked: Bool)
        /// A tunnel moved bytes in either direction.
        case tunnelMoved
        /// A deadline may have passed (the worker's timer fired).
        case timer
        /// The worker began draining: this connection closes after the exchange.
        case drain
    }

    /// What the worker does next.
    enum Action: Equatable {
        /// Nothing beyond moving the bytes it can.
        case proceed
        /// Pick an endpoint this exchange has not tried, and attach a pooled or new connection.
        case connect
        /// Send the request on the attached connection.
        case sendRequest
        /// The upstream connection failed: count `failure`, close the connection (ejecting
        /// its endpoint when `blame`), and connect to another endpoint.
        case retry(Failure, blame: Bool)
        /// A pooled connection was closed under the request before any answer (the upstream's
        /// keep-alive timeout won the race): close it, blaming and counting nothing, and send
        /// the request on a fresh connection to the same endpoint.
        case reconnect
        /// Answer locally with `status`. Any upstream connection is closed first; `failure`
        /// (when set) is counted and ejects its endpoint when `blame`.
        case respond(status: Int, failure: Failure?, blame: Bool)
        /// Close the downstream now without a log line: a response had begun (a truncated
        /// one must not look complete), or the client left mid-request.
        case cut(failure: Failure?, blame: Bool)
        /// Log the exchange with `status` and close the downstream (the client went away).
        case abandon
        /// Write the response head as planned and relay the body.
        case forwardResponse(ResponsePlan)
        /// Relay bytes both ways from now on.
        case startTunnel
        /// The exchange is over: log it, release the upstream connection, go on as `Ending`.
        case finish(Ending, upstream: UpstreamRelease)
        /// A tunnel idled out.
        case endIdleTunnel
        /// The client did not read its response for too long.
        case closeStalled

        /// The upstream's response goes to the client (relayed or as a tunnel).
        var passesResponseOn: Bool {
            switch self {
            case .forwardResponse, .startTunnel: true
            default: false
            }
        }
    }

    /// How long a downstream write may stay blocked before the connection is dropped.
    static let downstreamSendTimeout: UInt64 = 60_000

    private(set) var stage: Stage = .routing
    private(set) var request = Request()
    private(set) var terms = UpstreamTerms(
        maxAttempts: 1, connectTimeout: 0, sendTimeout: 0, readTimeout: 0, tunnelIdleTimeout: 0, retryNonIdempotent: false, ignoreClientAbort: false)
    /// The downstream connection may carry another request after this one.
    private(set) var keepAlive = true
    /// The status logged for the exchange (0 until one is known).
    private(set) var status = 0
    /// Something of the response went (or was committed to go) downstream: a failure can
    /// no longer be answered with an error page.
    private(set) var responseStarted = false
    /// Endpoints (index modulo 64) this request was sent to, so a retry goes elsewhere.
    private(set) var triedEndpoints: UInt64 = 0
    /// When the first attempt began (for `UpstreamTerms.retryWindow`).
    private var firstAttemptAt: UInt64 = 0
    /// The endpoint of the current attempt (index in the upstream's endpoints), -1 before one.
    private(set) var endpoint = -1
    /// The attached upstream connection came from the pool.
    private(set) var reusedConnection = false
    /// The connect, or the wait for the response head, runs on a client's deadline (a gRPC
    /// call's) shorter than the upstream's own timeout: its expiry is the client's choice,
    /// not the endpoint's fault.
    private(set) var connectBoundByCall = false
    private(set) var readBoundByCall = false
    /// A stream to an HTTP/2 upstream failed under the request before any answer and it
    /// went again: once is all (the next stream may be on a reused connection too). Pooled
    /// HTTP/1.1 connections need no such limit: each stale one is closed as it is found.
    private var raceResent = false
    /// Times HTTP/2 upstreams refused this request unprocessed (it goes again, up to
    /// `maxRefusals` times).
    private var refusals: UInt8 = 0
    static let maxRefusals: UInt8 = 3
    /// The whole request head went out on the attached connection.
    private(set) var requestHeadSent = false
    /// Body bytes sent upstream, on any attempt (a body is streamed, not kept, so once a
    /// byte left the request cannot be sent again).
    private(set) var requestBodyBytesSent: Int64 = 0
    private(set) var requestBodyDone = true
    /// Bytes came from the upstream on the attached connection.
    private(set) var upstreamAnswered = false
    private(set) var responseHeadReceived = false
    /// The answer is Apus's own (routing, or an upstream failure answered with an error page).
    private(set) var answeredLocally = false
    /// The request was diverted to an error backend before its body was read whole: the
    /// rest may still be coming (see `ending`).
    private(set) var bodyLeftUnread = false
    /// When the downstream side times out (0: no deadline): a blocked response write, or
    /// a tunnel's idle time.
    private(set) var downstreamDeadline: UInt64 = 0
    /// When the attached upstream connection times out (0: none).
    private(set) var upstreamDeadline: UInt64 = 0

    init() {}

    /// A new exchange for a parsed head; `draining` closes the connection after it.
    init(request: Request, draining: Bool) {
        self.request = request
        keepAlive = request.keepAlive && !draining
        requestBodyDone = !request.hasBody
    }

    /// A head that could not be parsed (or a path that could not be normalized): answered
    /// with `status`, and the connection closes after it.
    static func refused(status: Int) -> ExchangeMachine {
        var machine = ExchangeMachine(request: Request(keepAlive: false), draining: false)
        _ = machine.handle(.respondLocally(status: status, close: true), now: 0)
        return machine
    }

    var attempts: Int { triedEndpoints.nonzeroBitCount }

    /// An interim `100 Continue` goes to the client before its body is read (RFC 9110
    /// section 10.1.1: an HTTP/1.1 client waits for it).
    var sendsContinue: Bool { request.expectsContinue && request.hasBody && request.version == .http11 }

    /// Whether the request may go out again after its connection failed: nothing of an
    /// answer came, no body byte left, and sending it twice is harmless (idempotent, or the
    /// operator said so).
    var isReplayable: Bool {
        !upstreamAnswered && !responseStarted && requestBodyBytesSent == 0
            && (request.method.isIdempotent || terms.retryNonIdempotent)
    }

    @inline(__always)
    mutating func handle(_ event: Event, now: UInt64) -> Action {
        switch event {
        case .respondLocally(let status, let close):
            if close { keepAlive = false }
            return respondLocally(status: status)
        case .proxy(let terms):
            self.terms = terms
            firstAttemptAt = now
            stage = .connecting
            return .connect
        case .divert(let terms):
            return divert(terms, now: now)
        case .attached(let endpoint, let reused):
            triedEndpoints |= 1 << UInt64(endpoint & 63)
            self.endpoint = endpoint
            reusedConnection = reused
            requestHeadSent = false
            upstreamAnswered = false
            if reused {
                stage = .exchanging
                upstreamDeadline = now + UInt64(terms.sendTimeout)
                return .sendRequest
            }
            stage = .connecting
            upstreamDeadline = now + UInt64(terms.connectTimeout)
            return .proceed
        case .connected:
            stage = .exchanging
            upstreamDeadline = now + UInt64(terms.sendTimeout)
            return .sendRequest
        case .requestSent(let headDone, let bodyBytes, let bodyDone):
            requestHeadSent = headDone
            requestBodyBytesSent += Int64(bodyBytes)
            requestBodyDone = bodyDone
            // The response head's time runs from when the request went out, and is not
            // pushed back by reads, so a head dribbled a byte at a time still times out.
            upstreamDeadline = now + UInt64(bodyDone ? terms.readTimeout : terms.sendTimeout)
            return .proceed
        case .requestRefused(let status):
            keepAlive = false
            return fail(status: status, failure: nil, blame: false)
        case .clientLeft:
            stage = .done
            return .cut(failure: nil, blame: false)
        case .clientHangup:
            guard requestBodyDone, !terms.ignoreClientAbort, stage == .connecting || stage == .exchanging else { return .proceed }
            // nginx's "client prematurely closed connection": the upstream is let go now, not
            // at its read timeout. A half-close cannot be told from a departure.
            if !responseStarted { status = 499 }
            stage = .done
            return .abandon
        case .responseRead:
            upstreamAnswered = true
            // The body's timeout runs between two reads.
            if responseHeadReceived { upstreamDeadline = now + UInt64(terms.readTimeout) }
            return .proceed
        case .responseHead(let status, let framing, let compress):
            return responseHead(status: status, framing: framing, compress: compress, now: now)
        case .responseDone(let upstreamReusable, let inputPending, let draining):
            stage = .done
            upstreamDeadline = 0
            downstreamDeadline = 0
            let reusable = upstreamReusable && requestBodyDone
            return .finish(ending(inputPending: inputPending, draining: draining), upstream: reusable ? .pool : .close)
        case .responseSent(let inputPending, let draining):
            stage = .done
            downstreamDeadline = 0
            return .finish(ending(inputPending: inputPending, draining: draining), upstream: .none)
        case .upstreamFailed(let failure):
            return upstreamFailed(failure, now: now)
        case .downstreamWrote(let blocked):
            // Pushed back by every write while it is set; set when a write comes back short.
            if blocked || downstreamDeadline != 0 { downstreamDeadline = now + ExchangeMachine.downstreamSendTimeout }
            if stage == .exchanging && responseHeadReceived && requestBodyDone {
                // While the client does not take the response, the upstream is not read
                // (backpressure): that wait is the client's, timed by the send timeout, and
                // must not run out the upstream's read timeout and get its endpoint ejected.
                if blocked {
                    upstreamDeadline = 0
                } else if upstreamDeadline == 0 {
                    upstreamDeadline = now + UInt64(terms.readTimeout)
                }
            }
            return .proceed
        case .tunnelMoved:
            if terms.tunnelIdleTimeout > 0 { downstreamDeadline = now + UInt64(terms.tunnelIdleTimeout) }
            return .proceed
        case .timer:
            return timer(now: now)
        case .drain:
            keepAlive = false
            return .proceed
        }
    }

    private mutating func respondLocally(status: Int) -> Action {
        // The body of a request answered locally is never read: the connection closes
        // after the answer, so unread body bytes cannot be taken for a next request.
        if request.hasBody { keepAlive = false }
        stage = .responding
        self.status = status
        responseStarted = true
        answeredLocally = true
        return .proceed
    }

    /// A fresh set of attempts for the error backend. Nothing of the answer went out yet
    /// (an error answer that was decided is taken back); the client's body is not sent.
    private mutating func divert(_ terms: UpstreamTerms, now: UInt64) -> Action {
        if !requestBodyDone {
            bodyLeftUnread = true
            keepAlive = false
        }
        requestBodyDone = true
        requestBodyBytesSent = 0
        requestHeadSent = false
        self.terms = terms
        firstAttemptAt = now
        triedEndpoints = 0
        endpoint = -1
        reusedConnection = false
        refusals = 0
        raceResent = false
        connectBoundByCall = false
        readBoundByCall = false
        upstreamAnswered = false
        responseHeadReceived = false
        responseStarted = false
        answeredLocally = false
        status = 0
        upstreamDeadline = 0
        stage = .connecting
        return .connect
    }

    /// The final response head: a tunnel, or the plan for its body.
    ///
    /// A 101 is honoured only as the answer to an Upgrade request whose head went out
    /// whole (otherwise the tunnel would start in the middle of it). A response that comes
    /// before the whole request body went ends the connection: the rest of that body could
    /// not be told apart from a next request.
    private mutating func responseHead(status: Int, framing: BodyFraming, compress: Bool, now: UInt64) -> Action {
        if status == 101 {
            guard request.isUpgrade, requestHeadSent else { return upstreamFailed(.invalidResponse, now: now) }
            // The request body still on its way, and whatever follows it, are relayed as
            // they come; the upstream's timeouts no longer apply.
            keepAlive = false
            stage = .tunneling
            self.status = 101
            responseStarted = true
            responseHeadReceived = true
            upstreamDeadline = 0
            downstreamDeadline = terms.tunnelIdleTimeout > 0 ? now + UInt64(terms.tunnelIdleTimeout) : 0
            return .startTunnel
        }
        let (plan, closes) = ResponsePlan.make(status: status, framing: framing, compress: compress, request: request)
        if closes || !requestBodyDone { keepAlive = false }
        self.status = status
        responseStarted = true
        responseHeadReceived = true
        upstreamDeadline = now + UInt64(terms.readTimeout)
        return .forwardResponse(plan)
    }

    /// A deadline shorter than the upstream's timeouts bounds the connect and the wait for
    /// the response head (applied as each attempt attaches, with what is left of it).
    mutating func bound(by deadline: UInt32) {
        connectBoundByCall = connectBoundByCall || deadline < terms.connectTimeout
        readBoundByCall = readBoundByCall || deadline < terms.readTimeout
        terms.connectTimeout = min(terms.connectTimeout, deadline)
        terms.readTimeout = min(terms.readTimeout, deadline)
    }

    /// A timeout of the upstream is the call's deadline passing, not the endpoint's fault.
    var timesOutOnCallDeadline: Bool { connectBoundByCall || readBoundByCall }

    /// The stream that failed under a pooled-race resend was on an HTTP/2 connection.
    mutating func resentAfterStreamRace() {
        raceResent = true
    }

    /// The body of a response goes on the upstream's own read timeout, after a shorter one
    /// bounded the wait for its head (a gRPC call's deadline: past the head, the client
    /// keeps its deadline and cancels, and a reset from Apus would turn its
    /// DEADLINE_EXCEEDED into INTERNAL). Called as the head arrives, before it is handled.
    mutating func readBody(within readTimeout: UInt32) {
        terms.readTimeout = readTimeout
        readBoundByCall = false
    }

    /// Applies the verdict on a failed upstream connection (`Verdict.on`).
    private mutating func upstreamFailed(_ failure: Failure, now: UInt64) -> Action {
        if (failure == .connectTimeout && connectBoundByCall) || (failure == .readTimeout && readBoundByCall) {
            // The call's deadline passed: answered at once (504, DEADLINE_EXCEEDED to a gRPC
            // client), nothing blamed or tried again.
            return fail(status: 504, failure: failure, blame: false)
        }
        let inWindow = terms.retryWindow == 0 || now < firstAttemptAt + UInt64(terms.retryWindow)
        let verdict = Verdict.on(
            failure, attemptsLeft: attempts < Int(terms.maxAttempts) && inWindow, replayable: isReplayable,
            pooledRace: reusedConnection && !upstreamAnswered && !responseStarted && !raceResent,
            resendable: refusals < Self.maxRefusals && !upstreamAnswered && !responseStarted && requestBodyBytesSent == 0)
        if failure == .refused { refusals += 1 }
        upstreamDeadline = 0
        switch verdict {
        case .retry(let blame):
            stage = .connecting
            return .retry(failure, blame: blame)
        case .reconnect:
            stage = .connecting
            return .reconnect
        case .fail(let status, let blame):
            return fail(status: status, failure: failure, blame: blame)
        }
    }

    /// Ends a failed exchange: an error page when nothing went downstream yet, else the
    /// downstream connection is cut (a truncated response must not look complete).
    private mutating func fail(status: Int, failure: Failure?, blame: Bool) -> Action {
        upstreamDeadline = 0
        if responseStarted {
            stage = .done
            return .cut(failure: failure, blame: blame)
        }
        // The rest of a request body not read can't be told apart from a next request.
        keepAlive = keepAlive && requestBodyDone
        _ = respondLocally(status: status)
        return .respond(status: status, failure: failure, blame: blame)
    }

    /// Keep-alive when both sides want it and the worker is not draining; otherwise linger
    /// only when the client may still be sending (nginx's heuristic too): a plain close is
    /// cheaper and cannot reset anything in flight.
    private func ending(inputPending: Bool, draining: Bool) -> Ending {
        if keepAlive && !draining { return .keepAlive }
        let mayBeSending = inputPending || (request.hasBody && (!requestBodyDone || answeredLocally || bodyLeftUnread))
        return mayBeSending ? .linger : .close
    }

    private mutating func timer(now: UInt64) -> Action {
        if upstreamDeadline != 0 && now >= upstreamDeadline {
            switch stage {
            case .connecting:
                upstreamDeadline = 0
                return upstreamFailed(.connectTimeout, now: now)
            case .exchanging:
                upstreamDeadline = 0
                return upstreamFailed(requestBodyDone ? .readTimeout : .sendTimeout, now: now)
            default:
                break
            }
        }
        if downstreamDeadline != 0 && now >= downstreamDeadline {
            downstreamDeadline = 0
            let tunneling = stage == .tunneling
            stage = .done
            return tunneling ? .endIdleTunnel : .closeStalled
        }
        return .proceed
    }
}
