import ApusHTTP
import ApusHTTP2

/// gRPC calls through the proxy. gRPC runs over HTTP/2 only, so only requests on HTTP/2
/// streams are looked at (`HTTP2StreamPipe.isGRPC`, `callEnds`): their deadline bounds
/// the wait for the upstream, and when Apus cannot complete the call itself it answers as a
/// gRPC server does, with a trailers-only response whose `grpc-status` says why, not an
/// error page.
extension Worker {
    /// The milliseconds left of the `grpc-timeout` of the gRPC call a stream connection
    /// carries (0 once it passed); nil for a request that is not a call on a stream, or gave none
    /// (another request's `grpc-timeout` is no deadline: it must not cut the upstream's
    /// timeouts short). gRPC services are reached over HTTP/2, so it is applied where a
    /// request becomes an upstream stream, on each attempt: it bounds the connect and the
    /// wait for the response head (a client that waits no longer has no use for a later
    /// one), not the body.
    func callDeadline(_ connection: DownstreamConnection) -> UInt32? {
        guard connection.fd < 0, let pipe = connection.transport.layer as? HTTP2StreamPipe, pipe.isGRPC, pipe.callEnds > 0 else { return nil }
        return UInt32(clamping: max(0, Int64(bitPattern: pipe.callEnds &- now)))
    }

    /// The answer to a gRPC call Apus could not complete: `:status` 200 with the status in
    /// the head and no body (a trailers-only response). A timeout (504) is
    /// DEADLINE_EXCEEDED, as the client would see its own deadline pass.
    func sendGRPCError(_ connection: DownstreamConnection, _ exchange: Exchange, status: Int) {
        let code = GRPCStatus.forProxyAnswer(httpStatus: status, timedOut: status == 504)
        var response = LocalResponse(status: 200)
        for field in code.trailersOnlyFields(message: "apus: \(status) \(LocalResponse.reason(for: status))") {
            response.unfilteredHeader(field.name, field.value)
        }
        response.finish(body: [], keepAlive: exchange.machine.keepAlive)
        sendLocalResponse(connection, exchange, response.bytes)
    }
}
