/// What a `Transport` reads and writes through instead of its bare socket: TLS
/// (`TLSStream`) over the socket, or, in the proxy, one HTTP/2 stream of a connection
/// (which has no socket of its own). A plaintext socket has no layer, so its reads and
/// writes pay only the test for one.
///
/// Thread rule: owned by one worker, as the transport that holds it.
open class TransportLayer {
    public enum HandshakeStep: Equatable {
        case done
        case wantRead
        case wantWrite
        case failed(String)
    }

    /// A read that must write first (TLS): retried when the socket turns writable.
    public final var readWantsWrite = false
    /// A write that must read first (TLS): retried when the socket turns readable.
    public final var writeWantsRead = false

    public init() {}

    open func read(_ buffer: UnsafeMutableRawPointer, _ count: Int) -> IOResult { .endOfStream }

    open func write(_ bytes: UnsafeRawPointer, _ count: Int) -> IOResult { .endOfStream }

    /// Writes `a` then `b` as if they were one buffer.
    open func writev2(_ a: UnsafeRawPointer, _ aCount: Int, _ b: UnsafeRawPointer, _ bCount: Int) -> IOResult { .endOfStream }

    /// The last read took everything there was: more comes with a new readiness event.
    open var lastReadDrained: Bool { true }

    open func handshake() -> HandshakeStep { .done }

    /// Stops sending; reading goes on.
    open func shutdown() {}

    /// Whether the transport's fd is a socket to close with the layer (an HTTP/2
    /// stream's is not).
    open var hasSocket: Bool { true }
}
