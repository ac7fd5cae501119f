import ApusCore
import ApusHTTP
import ApusNet

/// A request's external-auth check: while in flight, the request for the auth service and
/// the connection it goes over; once the service let the request through, what its answer
/// adds to the request sent upstream and to the response.
///
/// The exchange waits meanwhile: its machine still routing, its head still at the front of
/// the downstream's input, its body unread in the socket.
/// Thread rule: owned by one worker's loop.
final class AuthCheck {
    let auth: CompiledExternalAuth
    /// The waiting exchange, which owns this check (`Exchange.auth`) until it ends.
    unowned(unsafe) let exchange: Exchange
    /// X-Request-ID of the sub-request, sent upstream too when the client gave none.
    let requestID: (UInt64, UInt64)
    /// Where the answer is remembered (`cache_key` expanded); nil when answers are not.
    var cacheKey: VerdictCache<(AuthVerdict, expiresAt: UInt64)>.Key?

    // In flight.
    var runtime: UpstreamRuntime?
    var upstream: UpstreamConnection?
    var request = PendingBytes()
    /// The attempt went over a pooled connection: if that closes before any answer, the
    /// request goes once more over a new one (the pool's race with the service's idle close).
    var reused = false

    // Once let through.
    var verdict: AuthVerdict?
    /// The route's request edits with the copied fields.
    var requestEdits: CompiledHeaderEdits?
    /// The response edits before the service's cookies joined them, for answers that
    /// don't get the cookies (`always_set_cookie` off and a status outside 2xx and 3xx).
    var editsWithoutCookies: CompiledHeaderEdits?
    var cookiesOnSuccessOnly = false

    init(auth: CompiledExternalAuth, exchange: Exchange, requestID: (UInt64, UInt64)) {
        self.auth = auth
        self.exchange = exchange
        self.requestID = requestID
    }
}

/// What the auth service's answer means for the request, as remembered.
struct AuthVerdict {
    var status: Int
    /// `Name: value\r\n` lines of the listed response fields (for the upstream request).
    var copiedLines: [UInt8] = []
    /// Complete `Set-Cookie: ...\r\n` lines of the service's answer.
    var cookieLines: [UInt8] = []
    /// Its `WWW-Authenticate` values (passed on with a 401).
    var challenges: [String] = []
}
