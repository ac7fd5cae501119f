/// Where an upgraded exchange's byte tunnel stands: each direction runs until its sender's
/// FIN, which is passed on (a write shutdown) once every byte before it was delivered.
///
///     downstream ──read──► downstream.input ──write──► upstream        upstreamward
///     downstream ◄──write── upstream.input ◄──read─── upstream        downstreamward
///
///     both open ──FIN from one side──► half-closed ──FIN from the other──► ended
///          └──────────── error or no byte for the idle timeout ──────────► ended
///
/// Each direction is a `Relay` over one buffer framed until its sender closes: it reads
/// only when that buffer was fully written, so a peer that doesn't read stops the other
/// peer's reads (backpressure); a drained direction gives its buffer back, so a quiet
/// tunnel holds none.
struct TunnelState {
    /// One direction: its bytes framed until the sender's FIN, and whether that FIN was
    /// passed on (the receiver's write side shut).
    struct Direction {
        var framing = BodyCursor(mode: .untilClose)
        var shut = false
    }

    var upstreamward = Direction()
    var downstreamward = Direction()

    /// Both FINs went through: nothing is left to relay either way.
    var isFinished: Bool { upstreamward.shut && downstreamward.shut }
}
