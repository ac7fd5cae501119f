/// What a server session found in the bytes it was given, in order.
public enum HTTP2Event: Equatable, Sendable {
    /// A request head arrived on a new stream.
    case request(HTTP2RequestHead)
    /// A request Apus answers itself without going further: a header list over the limit
    /// (431), or `:authority` and Host naming different hosts (400). Its body, if any, is
    /// dropped by the session (no data events).
    case refused(streamID: Int32, status: Int)
    /// Request body bytes. The stream's window reopens only when they are reported
    /// consumed (`HTTP2ServerSession.consumed`).
    case data(streamID: Int32, bytes: [UInt8])
    /// Trailer fields after the body.
    case trailers(streamID: Int32, fields: [HTTP2Field])
    /// The client finished its request (END_STREAM).
    case endOfRequest(streamID: Int32)
    /// The stream closed: normally (error code 0), reset by the client, or reset by the
    /// session for a protocol error.
    case streamClosed(streamID: Int32, errorCode: UInt32)
    /// The client is going away; streams above `lastStreamID` were not processed.
    case goaway(lastStreamID: Int32, errorCode: UInt32)
}
