/// Where an upgraded exchange's byte tunnel stands: each direction runs until its sender's
/// FIN, which is passed on (a write shutdown) once every byte before it was delivered.
///
///     downstream ──read──► downstream.input ──write──► upstream        upstreamward
///     downstream ◄──write── upstream.input ◄──read─── upstream        downstreamward
///
///     both open ──FIN from one side──► half-closed ──FIN from the other──► ended
///          └──────────── error or no byte for `idleMilliseconds` ──────────► ended
///
/// Each direction holds at most one buffer and reads only when that buffer was fully
/// written, so a peer that doesn't read stops the other peer's reads (backpressure); a
/// drained direction gives its buffer back, so a quiet tunnel holds none.
struct TunnelState {
    /// The downstream's FIN was read.
    var downstreamFinished = false
    /// The upstream's FIN was read.
    var upstreamFinished = false
    /// The downstream's FIN was passed on to the upstream.
    var upstreamShut = false
    /// The upstream's FIN was passed on to the downstream.
    var downstreamShut = false
    /// 0 = no idle limit.
    var idleMilliseconds: UInt64 = 0

    init() {}

    init(idleMilliseconds: UInt64) {
        self.idleMilliseconds = idleMilliseconds
    }

    /// Both FINs went through: nothing is left to relay either way.
    var isFinished: Bool { upstreamShut && downstreamShut }
}
