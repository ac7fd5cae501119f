import ApusHTTP
import Testing
@testable import ApusProxy

/// The exchange state machine on its own: events in, actions and state out, with a manual
/// clock. Each test drives one exchange the way the worker would.
@Suite struct ExchangeMachineTests {
    static let terms = ExchangeMachine.UpstreamTerms(
        maxAttempts: 3, connectTimeout: 1_000, sendTimeout: 2_000, readTimeout: 5_000, tunnelIdleTimeout: 30_000,
        retryNonIdempotent: false, ignoreClientAbort: false)

    /// One exchange and its clock.
    struct Run {
        var machine: ExchangeMachine
        var now: UInt64 = 10_000

        init(_ request: ExchangeMachine.Request = .init(), draining: Bool = false) {
            machine = ExchangeMachine(request: request, draining: draining)
        }

        @discardableResult
        mutating func on(_ event: ExchangeMachine.Event) -> ExchangeMachine.Action {
            machine.handle(event, now: now)
        }

        mutating func advance(to time: UInt64) -> ExchangeMachine.Action {
            now = time
            return machine.handle(.timer, now: now)
        }

        /// Routed to an upstream, a new connection to endpoint `endpoint`, connected.
        mutating func connected(_ terms: ExchangeMachine.UpstreamTerms = ExchangeMachineTests.terms, endpoint: Int = 0) {
            #expect(on(.proxy(terms)) == .connect)
            #expect(on(.attached(endpoint: endpoint, reused: false)) == .proceed)
            #expect(on(.connected) == .sendRequest)
        }

        /// Connected and the whole request (head, and `bodyBytes` of body) sent.
        mutating func sent(_ terms: ExchangeMachine.UpstreamTerms = ExchangeMachineTests.terms, bodyBytes: Int = 0) {
            connected(terms)
            on(.requestSent(headDone: true, bodyBytes: bodyBytes, bodyDone: true))
        }
    }

    static let post = ExchangeMachine.Request(method: .post, hasBody: true)

    // MARK: - Retry rules

    @Test func aConnectFailureMovesToAnotherEndpointUntilTheAttemptsRunOut() {
        var run = Run()
        #expect(run.on(.proxy(Self.terms)) == .connect)
        run.on(.attached(endpoint: 0, reused: false))
        #expect(run.on(.upstreamFailed(.connectRefused)) == .retry(.connectRefused, blame: true))
        #expect(run.machine.stage == .connecting)
        run.on(.attached(endpoint: 1, reused: false))
        #expect(run.on(.upstreamFailed(.tlsHandshake)) == .retry(.tlsHandshake, blame: true))
        run.on(.attached(endpoint: 2, reused: false))
        #expect(run.machine.attempts == 3 && run.machine.triedEndpoints == 0b111)
        #expect(run.on(.upstreamFailed(.connectRefused)) == .respond(status: 502, failure: .connectRefused, blame: true))
        #expect(run.machine.stage == .responding && run.machine.status == 502 && run.machine.keepAlive)
    }

    /// Connect failures are retried whatever the method: nothing was sent.
    @Test func aConnectFailureIsRetriedForAPostToo() {
        var run = Run(Self.post)
        run.on(.proxy(Self.terms))
        run.on(.attached(endpoint: 0, reused: false))
        #expect(run.on(.upstreamFailed(.connectRefused)) == .retry(.connectRefused, blame: true))
    }

    /// proxy_next_upstream_timeout: no retry starts once the window since the first
    /// attempt has passed, attempts left or not.
    @Test func noRetryAfterTheRetryWindow() {
        var terms = Self.terms
        terms.retryWindow = 1_500
        var run = Run()
        run.on(.proxy(terms))
        run.on(.attached(endpoint: 0, reused: false))
        // The first connect times out at 11,000: inside the window, so it is retried.
        #expect(run.advance(to: 11_000) == .retry(.connectTimeout, blame: true))
        run.on(.attached(endpoint: 1, reused: false))
        // The second at 12,000: past 11,500, so it is the answer.
        #expect(run.advance(to: 12_000) == .respond(status: 504, failure: .connectTimeout, blame: true))
        #expect(run.machine.attempts == 2)
    }

    @Test func aConnectTimeoutOnTheLastAttemptIs504() {
        var terms = Self.terms
        terms.maxAttempts = 1
        var run = Run()
        run.on(.proxy(terms))
        run.on(.attached(endpoint: 0, reused: false))
        #expect(run.machine.upstreamDeadline == 11_000)
        #expect(run.advance(to: 10_999) == .proceed)
        #expect(run.advance(to: 11_000) == .respond(status: 504, failure: .connectTimeout, blame: true))
    }

    @Test func nothingIsReplayedAfterABodyByteWentUpstream() {
        var run = Run(ExchangeMachine.Request(method: .put, hasBody: true))
        run.connected()
        run.on(.requestSent(headDone: true, bodyBytes: 10, bodyDone: false))
        #expect(!run.machine.isReplayable)
        #expect(run.on(.upstreamFailed(.reset)) == .respond(status: 502, failure: .reset, blame: true))
        // The body was not all read: the connection closes after the error.
        #expect(!run.machine.keepAlive)
    }

    @Test func anIdempotentRequestIsRetriedElsewhereAfterAResetBeforeAnyAnswer() {
        var run = Run()
        run.sent()
        #expect(run.on(.upstreamFailed(.reset)) == .retry(.reset, blame: true))
        run.on(.attached(endpoint: 1, reused: false))
        #expect(run.machine.attempts == 2)
    }

    @Test func aPostIsNotSentTwiceUnlessTheOperatorSaysSo() {
        var run = Run(ExchangeMachine.Request(method: .post))
        run.sent()
        #expect(run.on(.upstreamFailed(.reset)) == .respond(status: 502, failure: .reset, blame: true))

        var terms = Self.terms
        terms.retryNonIdempotent = true
        var allowed = Run(ExchangeMachine.Request(method: .post))
        allowed.sent(terms)
        #expect(allowed.on(.upstreamFailed(.reset)) == .retry(.reset, blame: true))
    }

    /// A reused pooled connection that closes before any response byte: the upstream's
    /// keep-alive timeout won the race. Sent once more, on a fresh connection to the same
    /// endpoint, blaming nobody.
    @Test func aPooledConnectionClosedUnderAnIdempotentRequestIsRetriedOnce() {
        var run = Run()
        run.on(.proxy(Self.terms))
        #expect(run.on(.attached(endpoint: 4, reused: true)) == .sendRequest)
        #expect(run.machine.upstreamDeadline == 12_000)
        run.on(.requestSent(headDone: true, bodyBytes: 0, bodyDone: true))
        #expect(run.on(.upstreamFailed(.reset)) == .reconnect)
        #expect(run.machine.endpoint == 4)
        #expect(run.on(.attached(endpoint: 4, reused: false)) == .proceed)
        #expect(run.machine.attempts == 1)
        run.on(.connected)
        run.on(.requestSent(headDone: true, bodyBytes: 0, bodyDone: true))
        // The fresh connection is no pooled race: a reset now is the endpoint's failure.
        #expect(run.on(.upstreamFailed(.reset)) == .retry(.reset, blame: true))
    }

    /// A stream on a reused HTTP/2 connection that fails before any answer goes again
    /// once; a second such failure is the endpoint's, however reused the next stream is.
    @Test func aStreamRaceIsResentOnce() {
        var run = Run()
        run.on(.proxy(Self.terms))
        #expect(run.on(.attached(endpoint: 0, reused: true)) == .sendRequest)
        #expect(run.on(.upstreamFailed(.reset)) == .reconnect)
        run.machine.resentAfterStreamRace()
        #expect(run.on(.attached(endpoint: 0, reused: true)) == .sendRequest)
        #expect(run.on(.upstreamFailed(.reset)) == .retry(.reset, blame: true))
    }

    /// A stream the upstream refused goes again, a POST too, up to three times, but not once
    /// a body byte went.
    @Test func refusedStreamsGoAgainUpToThreeTimes() {
        var run = Run(Self.post)
        run.on(.proxy(Self.terms))
        for _ in 0..<3 {
            run.on(.attached(endpoint: 0, reused: true))
            #expect(run.on(.upstreamFailed(.refused)) == .reconnect)
        }
        run.on(.attached(endpoint: 0, reused: true))
        #expect(run.on(.upstreamFailed(.refused)) == .respond(status: 502, failure: .refused, blame: false))
        var withBody = Run(Self.post)
        withBody.on(.proxy(Self.terms))
        withBody.on(.attached(endpoint: 0, reused: true))
        withBody.on(.requestSent(headDone: true, bodyBytes: 10, bodyDone: false))
        #expect(withBody.on(.upstreamFailed(.refused)) == .respond(status: 502, failure: .refused, blame: false))
    }

    /// A gRPC call's deadline, when shorter than the upstream's timeouts, ends the wait
    /// with 504 and blames nobody; a deadline longer than them leaves a timeout the
    /// endpoint's failure, tried elsewhere.
    @Test func aCallDeadlineShortensTheWaitWithoutBlame() {
        var short = Run(Self.post)
        short.on(.proxy(Self.terms))
        short.machine.bound(by: 300)
        #expect(short.on(.attached(endpoint: 0, reused: false)) == .proceed)
        #expect(short.machine.upstreamDeadline == 10_300)
        #expect(short.advance(to: 10_300) == .respond(status: 504, failure: .connectTimeout, blame: false))
        var long = Run(Self.post)
        long.on(.proxy(Self.terms))
        long.machine.bound(by: 30_000)
        long.on(.attached(endpoint: 0, reused: false))
        #expect(long.machine.upstreamDeadline == 11_000)
        #expect(long.advance(to: 11_000) == .retry(.connectTimeout, blame: true))
    }

    @Test func aPooledConnectionClosedUnderAPostIsA502BlamingNobody() {
        var run = Run(ExchangeMachine.Request(method: .post))
        run.on(.proxy(Self.terms))
        run.on(.attached(endpoint: 0, reused: true))
        run.on(.requestSent(headDone: true, bodyBytes: 0, bodyDone: true))
        #expect(run.on(.upstreamFailed(.reset)) == .respond(status: 502, failure: .reset, blame: false))
    }

    @Test func aResetAfterTheUpstreamAnsweredIsNotRetried() {
        var run = Run()
        run.on(.proxy(Self.terms))
        run.on(.attached(endpoint: 0, reused: true))
        run.on(.requestSent(headDone: true, bodyBytes: 0, bodyDone: true))
        run.on(.responseRead)
        #expect(run.on(.upstreamFailed(.reset)) == .respond(status: 502, failure: .reset, blame: true))
    }

    @Test func aFailureAfterTheResponseBeganCutsTheConnection() {
        var run = Run()
        run.sent()
        #expect(run.on(.responseHead(status: 200, framing: .contentLength(100), compress: false)) != .proceed)
        #expect(run.on(.upstreamFailed(.reset)) == .cut(failure: .reset, blame: true))
        #expect(run.machine.stage == .done)
    }

    @Test func aReadTimeoutIsRetriedForAnIdempotentRequestThenIs504() {
        var terms = Self.terms
        terms.maxAttempts = 2
        var run = Run()
        run.sent(terms)
        #expect(run.machine.upstreamDeadline == 15_000)
        #expect(run.advance(to: 15_000) == .retry(.readTimeout, blame: true))
        run.on(.attached(endpoint: 1, reused: false))
        run.on(.connected)
        run.on(.requestSent(headDone: true, bodyBytes: 0, bodyDone: true))
        #expect(run.advance(to: 20_000) == .respond(status: 504, failure: .readTimeout, blame: true))
    }

    /// The body streams from the client: a slow client stalls this side too, so a send
    /// timeout blames nobody and is not retried.
    @Test func aSendTimeoutIs504WithoutBlame() {
        var run = Run(Self.post)
        run.connected()
        run.on(.requestSent(headDone: true, bodyBytes: 5, bodyDone: false))
        #expect(run.machine.upstreamDeadline == 12_000)
        #expect(run.advance(to: 12_000) == .respond(status: 504, failure: .sendTimeout, blame: false))
    }

    @Test func failuresThatAreNotRetried() {
        let cases: [(ExchangeMachine.Failure, ExchangeMachine.Action)] = [
            (.invalidResponse, .respond(status: 502, failure: .invalidResponse, blame: false)),
            (.localResources, .respond(status: 502, failure: .localResources, blame: false)),
            (.noEndpoint, .respond(status: 503, failure: .noEndpoint, blame: false)),
        ]
        for (failure, expected) in cases {
            var run = Run()
            run.sent()
            #expect(run.on(.upstreamFailed(failure)) == expected, "\(failure)")
        }
    }

    @Test func tooManyInterimResponsesIsTheEndpointsFailure() {
        var run = Run()
        run.sent()
        #expect(run.on(.upstreamFailed(.tooManyInterimResponses)) == .retry(.tooManyInterimResponses, blame: true))
    }

    // MARK: - Framing

    struct FramingCase {
        var method: HTTPMethod = .get
        var version: HTTPVersion = .http11
        var status: Int
        var upstream: BodyFraming
        var framing: HeadSerializer.DownstreamFraming
        var body: BodyCursor.Mode
        var keepAlive: Bool
    }

    @Test func responseFraming() {
        let cases: [FramingCase] = [
            FramingCase(status: 200, upstream: .contentLength(5), framing: .contentLength(5), body: .length, keepAlive: true),
            // HEAD: the length is the GET's; no body follows.
            FramingCase(method: .head, status: 200, upstream: .contentLength(5), framing: .contentLength(5), body: .none, keepAlive: true),
            FramingCase(method: .head, status: 200, upstream: .none, framing: .none, body: .none, keepAlive: true),
            FramingCase(status: 204, upstream: .none, framing: .none, body: .none, keepAlive: true),
            FramingCase(status: 304, upstream: .none, framing: .none, body: .none, keepAlive: true),
            // A bodiless 200 gets an explicit zero length, so the client does not wait for a close.
            FramingCase(status: 200, upstream: .none, framing: .contentLength(0), body: .none, keepAlive: true),
            FramingCase(status: 200, upstream: .chunked, framing: .chunked, body: .chunkedPass, keepAlive: true),
            // An HTTP/1.0 client cannot take chunks: unframed, and the close ends the body.
            FramingCase(version: .http10, status: 200, upstream: .chunked, framing: .untilClose, body: .chunkedStrip, keepAlive: false),
            FramingCase(status: 200, upstream: .untilClose, framing: .untilClose, body: .untilClose, keepAlive: false),
        ]
        for item in cases {
            var run = Run(ExchangeMachine.Request(method: item.method, version: item.version))
            run.sent()
            let action = run.on(.responseHead(status: item.status, framing: item.upstream, compress: false))
            guard case .forwardResponse(let plan) = action else {
                Issue.record("\(item.status) \(item.upstream): \(action)")
                continue
            }
            #expect(plan.framing == item.framing, "\(item.method) \(item.status) \(item.upstream)")
            #expect(plan.body == item.body && plan.bodyCursor.mode == item.body, "\(item.method) \(item.status) \(item.upstream)")
            #expect(!plan.compressed)
            #expect(run.machine.keepAlive == item.keepAlive, "\(item.version) \(item.upstream)")
            #expect(run.machine.status == item.status && run.machine.responseStarted)
        }
    }

    @Test func aCompressedResponseIsChunkedPayload() {
        let cases: [(BodyFraming, ExchangeMachine.ResponsePlan)] = [
            (.chunked, .init(framing: .chunked, body: .chunkedStrip, compressed: true)),
            (.contentLength(9), .init(framing: .chunked, body: .length, bodyLength: 9, compressed: true)),
            (.untilClose, .init(framing: .chunked, body: .untilClose, compressed: true)),
        ]
        for (upstream, plan) in cases {
            var run = Run()
            run.sent()
            #expect(run.on(.responseHead(status: 200, framing: upstream, compress: true)) == .forwardResponse(plan))
            // Compression does not end the connection, even for an until-close body.
            #expect(run.machine.keepAlive)
        }
    }

    @Test func a101OpensATunnelOnlyForAnUpgradeWhoseHeadWentWhole() {
        let upgrade = ExchangeMachine.Request(isUpgrade: true)
        var run = Run(upgrade)
        run.sent()
        #expect(run.on(.responseHead(status: 101, framing: .none, compress: false)) == .startTunnel)
        #expect(run.machine.stage == .tunneling && !run.machine.keepAlive && run.machine.status == 101)
        #expect(run.machine.upstreamDeadline == 0 && run.machine.downstreamDeadline == 40_000)

        var unasked = Run()
        unasked.sent()
        #expect(unasked.on(.responseHead(status: 101, framing: .none, compress: false))
            == .respond(status: 502, failure: .invalidResponse, blame: false))

        var early = Run(upgrade)
        early.connected()
        early.on(.requestSent(headDone: false, bodyBytes: 0, bodyDone: true))
        #expect(early.on(.responseHead(status: 101, framing: .none, compress: false))
            == .respond(status: 502, failure: .invalidResponse, blame: false))
    }

    // MARK: - Keep-alive, close, linger

    @Test func aCompleteExchangeKeepsBothConnections() {
        var run = Run()
        run.sent()
        run.on(.responseHead(status: 200, framing: .contentLength(5), compress: false))
        #expect(run.on(.responseDone(upstreamReusable: true, inputPending: false, draining: false)) == .finish(.keepAlive, upstream: .pool))
        #expect(run.machine.stage == .done && run.machine.upstreamDeadline == 0)
    }

    @Test func endings() {
        // (request, draining at the end, input pending, upstream reusable) → action
        struct Case {
            var request = ExchangeMachine.Request()
            var drainingAtStart = false
            var drainingAtEnd = false
            var inputPending = false
            var reusable = true
            var expected: ExchangeMachine.Action
        }
        let cases: [Case] = [
            Case(expected: .finish(.keepAlive, upstream: .pool)),
            Case(reusable: false, expected: .finish(.keepAlive, upstream: .close)),
            Case(drainingAtEnd: true, expected: .finish(.close, upstream: .pool)),
            Case(drainingAtStart: true, expected: .finish(.close, upstream: .pool)),
            Case(request: ExchangeMachine.Request(keepAlive: false), expected: .finish(.close, upstream: .pool)),
            // Bytes of another request are waiting: a plain close could reset the response.
            Case(request: ExchangeMachine.Request(keepAlive: false), inputPending: true, expected: .finish(.linger, upstream: .pool)),
            Case(request: ExchangeMachine.Request(version: .http10, keepAlive: false), expected: .finish(.close, upstream: .pool)),
        ]
        for item in cases {
            var run = Run(item.request, draining: item.drainingAtStart)
            run.sent()
            run.on(.responseHead(status: 200, framing: .contentLength(1), compress: false))
            #expect(run.on(.responseDone(upstreamReusable: item.reusable, inputPending: item.inputPending, draining: item.drainingAtEnd))
                == item.expected, "\(item)")
        }
    }

    /// The upstream answered before the whole request body went: the rest of the body
    /// can't be told from a next request, so the upstream connection closes and the
    /// downstream one lingers.
    @Test func anAnswerBeforeTheWholeBodyEndsBothConnections() {
        var run = Run(Self.post)
        run.connected()
        run.on(.requestSent(headDone: true, bodyBytes: 100, bodyDone: false))
        run.on(.responseHead(status: 413, framing: .contentLength(3), compress: false))
        #expect(!run.machine.keepAlive)
        #expect(run.on(.responseDone(upstreamReusable: true, inputPending: false, draining: false)) == .finish(.linger, upstream: .close))
    }

    /// A local answer never reads the request body: the connection closes after it,
    /// lingering so the unread body does not reset the answer.
    @Test func aLocalAnswerToARequestWithABodyLingers() {
        var run = Run(Self.post)
        #expect(run.on(.respondLocally(status: 404, close: false)) == .proceed)
        #expect(!run.machine.keepAlive && run.machine.stage == .responding)
        #expect(run.on(.responseSent(inputPending: false, draining: false)) == .finish(.linger, upstream: .none))

        var plain = Run()
        plain.on(.respondLocally(status: 404, close: false))
        #expect(plain.on(.responseSent(inputPending: false, draining: false)) == .finish(.keepAlive, upstream: .none))

        var refused = Run()
        refused.on(.respondLocally(status: 400, close: true))
        #expect(refused.on(.responseSent(inputPending: false, draining: false)) == .finish(.close, upstream: .none))
    }

    @Test func anUnparsableHeadIsAnsweredAndTheConnectionEnds() {
        var machine = ExchangeMachine.refused(status: 431)
        #expect(machine.status == 431 && !machine.keepAlive && machine.stage == .responding)
        #expect(machine.handle(.responseSent(inputPending: true, draining: false), now: 0) == .finish(.linger, upstream: .none))
    }

    @Test func requestBodyRefusals() {
        for status in [400, 413] {
            var run = Run(Self.post)
            run.connected()
            run.on(.requestSent(headDone: true, bodyBytes: 10, bodyDone: false))
            #expect(run.on(.requestRefused(status: status)) == .respond(status: status, failure: nil, blame: false))
            #expect(!run.machine.keepAlive)
        }
    }

    @Test func aDrainClosesTheConnectionAfterTheExchange() {
        var run = Run()
        run.sent()
        #expect(run.on(.drain) == .proceed)
        #expect(!run.machine.keepAlive)
    }

    // MARK: - The client going away

    @Test func aClientThatLeavesWhileItsRequestIsUpstreamIsLoggedAs499() {
        var run = Run()
        run.sent()
        #expect(run.on(.clientHangup) == .abandon)
        #expect(run.machine.status == 499)

        var ignoring = Self.terms
        ignoring.ignoreClientAbort = true
        var stays = Run()
        stays.sent(ignoring)
        #expect(stays.on(.clientHangup) == .proceed)

        // Still sending its body: its FIN is the end of that body, not a departure.
        var uploading = Run(Self.post)
        uploading.connected()
        uploading.on(.requestSent(headDone: true, bodyBytes: 1, bodyDone: false))
        #expect(uploading.on(.clientHangup) == .proceed)

        var answered = Run()
        answered.sent()
        answered.on(.responseHead(status: 200, framing: .contentLength(10), compress: false))
        #expect(answered.on(.clientHangup) == .abandon)
        #expect(answered.machine.status == 200)
    }

    @Test func aClientThatLeavesMidBodyIsCut() {
        var run = Run(Self.post)
        run.connected()
        #expect(run.on(.clientLeft) == .cut(failure: nil, blame: false))
    }

    // MARK: - Deadlines

    @Test func upstreamDeadlines() {
        var run = Run(Self.post)
        run.on(.proxy(Self.terms))
        run.on(.attached(endpoint: 0, reused: false))
        #expect(run.machine.upstreamDeadline == 11_000)  // connect
        run.now = 10_500
        run.on(.connected)
        #expect(run.machine.upstreamDeadline == 12_500)  // send
        run.now = 11_000
        run.on(.requestSent(headDone: true, bodyBytes: 10, bodyDone: false))
        #expect(run.machine.upstreamDeadline == 13_000)  // send, pushed by the write
        run.now = 11_500
        run.on(.requestSent(headDone: true, bodyBytes: 10, bodyDone: true))
        #expect(run.machine.upstreamDeadline == 16_500)  // read: the head's time starts
        // Bytes of the head do not push it back: a head dribbled a byte at a time still times out.
        run.now = 16_000
        run.on(.responseRead)
        #expect(run.machine.upstreamDeadline == 16_500)
        run.on(.responseHead(status: 200, framing: .contentLength(10), compress: false))
        #expect(run.machine.upstreamDeadline == 21_000)
        // Between two body reads.
        run.now = 20_000
        run.on(.responseRead)
        #expect(run.machine.upstreamDeadline == 25_000)
        #expect(run.advance(to: 24_999) == .proceed)
        #expect(run.advance(to: 25_000) == .cut(failure: .readTimeout, blame: true))
    }

    @Test func theDownstreamSendTimeoutRunsWhileWritesComeBackShort() {
        var run = Run()
        run.sent()
        run.on(.responseHead(status: 200, framing: .contentLength(1_000_000), compress: false))
        run.on(.downstreamWrote(blocked: false))
        #expect(run.machine.downstreamDeadline == 0)
        run.on(.downstreamWrote(blocked: true))
        #expect(run.machine.downstreamDeadline == 70_000)
        // The upstream is not read while the client does not take bytes: its read timeout
        // stops, and the stall is timed as the client's.
        #expect(run.machine.upstreamDeadline == 0)
        run.now = 30_000
        run.on(.downstreamWrote(blocked: false))
        #expect(run.machine.downstreamDeadline == 90_000)
        #expect(run.machine.upstreamDeadline == 35_000)
        run.on(.downstreamWrote(blocked: true))
        #expect(run.machine.upstreamDeadline == 0)
        #expect(run.advance(to: 89_999) == .proceed)
        #expect(run.advance(to: 90_000) == .closeStalled)
    }

    @Test func aTunnelIdlesOutAfterItsTimeWithoutBytes() {
        var run = Run(ExchangeMachine.Request(isUpgrade: true))
        run.sent()
        run.on(.responseHead(status: 101, framing: .none, compress: false))
        run.now = 20_000
        run.on(.tunnelMoved)
        #expect(run.machine.downstreamDeadline == 50_000)
        #expect(run.advance(to: 49_999) == .proceed)
        #expect(run.advance(to: 50_000) == .endIdleTunnel)

        var endless = Self.terms
        endless.tunnelIdleTimeout = 0
        var forever = Run(ExchangeMachine.Request(isUpgrade: true))
        forever.sent(endless)
        forever.on(.responseHead(status: 101, framing: .none, compress: false))
        forever.on(.tunnelMoved)
        #expect(forever.machine.downstreamDeadline == 0 && forever.machine.upstreamDeadline == 0)
    }

    @Test func aTimerBeforeAnyDeadlineDoesNothing() {
        var run = Run()
        run.sent()
        #expect(run.advance(to: 14_999) == .proceed)
        #expect(run.machine.stage == .exchanging)
    }

    @Test func anInterimContinueGoesOnlyToAnHTTP11ClientThatWaitsForIt() {
        #expect(ExchangeMachine(request: .init(method: .post, hasBody: true, expectsContinue: true), draining: false).sendsContinue)
        #expect(!ExchangeMachine(request: .init(method: .post, version: .http10, hasBody: true, expectsContinue: true), draining: false).sendsContinue)
        #expect(!ExchangeMachine(request: .init(method: .get, expectsContinue: true), draining: false).sendsContinue)
    }

    // MARK: - Error backends

    /// A listed status arrives while the client's body is still coming: the error backend
    /// gets fresh attempts, the body is left unread, so the connection lingers and closes.
    @Test func aDivertGetsFreshAttemptsAndGivesUpAnUnreadBody() {
        var run = Run(Self.post)
        run.connected()
        run.on(.requestSent(headDone: true, bodyBytes: 100, bodyDone: false))
        #expect(run.on(.divert(Self.terms)) == .connect)
        #expect(run.machine.stage == .connecting && run.machine.attempts == 0 && !run.machine.responseStarted)
        #expect(!run.machine.keepAlive)
        run.on(.attached(endpoint: 0, reused: false))
        #expect(run.machine.attempts == 1)
        run.on(.connected)
        run.on(.requestSent(headDone: true, bodyBytes: 0, bodyDone: true))
        guard case .forwardResponse = run.on(.responseHead(status: 404, framing: .contentLength(5), compress: false)) else {
            Issue.record("not forwarded")
            return
        }
        #expect(run.on(.responseDone(upstreamReusable: true, inputPending: false, draining: false)) == .finish(.linger, upstream: .pool))
    }

    /// Apus's own 502 taken back: nothing of it was sent, and a request without a body
    /// keeps its connection.
    @Test func aDivertTakesBackAnErrorAnswerNothingWasSentOf() {
        var terms = Self.terms
        terms.maxAttempts = 1
        var run = Run()
        run.on(.proxy(terms))
        run.on(.attached(endpoint: 0, reused: false))
        #expect(run.on(.upstreamFailed(.connectRefused)) == .respond(status: 502, failure: .connectRefused, blame: true))
        #expect(run.on(.divert(Self.terms)) == .connect)
        #expect(run.machine.status == 0 && !run.machine.answeredLocally && run.machine.keepAlive)
        run.on(.attached(endpoint: 0, reused: true))
        _ = run.on(.requestSent(headDone: true, bodyBytes: 0, bodyDone: true))
        _ = run.on(.responseHead(status: 502, framing: .none, compress: false))
        #expect(run.machine.status == 502)
        #expect(run.on(.responseDone(upstreamReusable: true, inputPending: false, draining: false)) == .finish(.keepAlive, upstream: .pool))
    }
}
