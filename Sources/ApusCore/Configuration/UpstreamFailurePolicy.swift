/// What an upstream's failures may cost a request: the operator's two choices that nginx
/// spells `proxy_next_upstream non_idempotent` and `proxy_ignore_client_abort`.
public struct UpstreamFailurePolicy: Equatable, Sendable {
    /// A request that is not idempotent (POST, PATCH, ...) may be sent again when its
    /// connection failed before any answer: on a reused pooled connection the upstream closed,
    /// or to another endpoint. Off by default: the first attempt may have had its effect
    /// (RFC 9110 section 9.2.2).
    public var retryNonIdempotent: Bool
    /// A client that closes its connection while the upstream still works on its request
    /// leaves the upstream connection open until the answer is complete (and thrown away).
    /// Off by default, as in nginx: the upstream connection closes at once (logged as 499).
    public var ignoreClientAbort: Bool
    /// Attempts per request, each on another endpoint (nginx's `proxy_next_upstream_tries`);
    /// nil is 3, 0 is every endpoint, 1 never retries (`proxy_next_upstream off`).
    public var maxTries: Int?
    /// No retry starts later than this many milliseconds after the first attempt (nginx's
    /// `proxy_next_upstream_timeout`); 0 is no limit.
    public var retryWindowMilliseconds: Int

    public init(retryNonIdempotent: Bool = false, ignoreClientAbort: Bool = false, maxTries: Int? = nil,
                retryWindowMilliseconds: Int = 0) {
        self.retryNonIdempotent = retryNonIdempotent
        self.ignoreClientAbort = ignoreClientAbort
        self.maxTries = maxTries
        self.retryWindowMilliseconds = retryWindowMilliseconds
    }
}
