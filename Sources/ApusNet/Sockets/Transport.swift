import Glibc

/// A connected non-blocking socket, plaintext or under TLS, with its readiness as edge-
/// triggered epoll reported it: the one place that reads, writes, applies the short-read
/// and short-write rules, and closes, for downstream and upstream connections alike.
///
/// Readiness is kept here rather than asked for: an edge is reported once, so `readable`
/// stays set until a read finds the socket drained, and `writable` until a write finds it
/// full. Under TLS a read returns one record at a time and a write sends one, so neither
/// a short read nor a short write alone says the socket is drained or full; the stream
/// says so (`TLSStream.lastReadDrained`).
///
/// Thread rule: owned by one worker's loop (a value inside the connection that owns the fd).
public struct Transport {
    public let fd: Int32
    /// Set for a TLS connection once its session exists, or for an HTTP/2 stream: every
    /// read and write then goes through it.
    public var layer: TransportLayer?
    /// The layer when it is TLS.
    public var tls: TLSStream? {
        get { layer as? TLSStream }
        set { layer = newValue }
    }
    public var readable: Bool
    public var writable: Bool
    /// The peer's FIN (or an error) was reported: a short read then does not mean the
    /// socket is drained, because the end of stream is still to be read.
    public var hangupSeen = false
    /// TCP_NODELAY is on (see `beforeWrite`).
    @usableFromInline var noDelaySet: Bool
    @usableFromInline var hasWritten = false

    /// - Parameter noDelaySet: the socket already has TCP_NODELAY; false lets the second
    ///   write set it (accepted plaintext connections).
    public init(fd: Int32, readable: Bool, writable: Bool, noDelaySet: Bool) {
        self.fd = fd
        self.readable = readable
        self.writable = writable
        self.noDelaySet = noDelaySet
    }

    /// Registers the socket with `epoll` for edge-triggered readiness both ways and the
    /// peer's hangup, once for its life: readiness is then kept here (`readable`,
    /// `writable`), never asked for again with epoll_ctl.
    @discardableResult
    public func register(in epoll: borrowing Epoll, tag: UInt64) -> Bool {
        epoll.add(fd, events: Epoll.edgeAll, tag: tag)
    }

    /// Takes in one epoll event: readiness each way, the peer's hangup, and for TLS the
    /// readiness OpenSSL waits for in the other direction (a read that must write first,
    /// a write that must read first).
    @inlinable
    public mutating func note(events: UInt32) {
        if events & (Epoll.readable | Epoll.hangup | Epoll.error) != 0 { readable = true }
        if events & (Epoll.hangup | Epoll.error) != 0 { hangupSeen = true }
        if events & Epoll.writable != 0 { writable = true }
        if let layer {
            if layer.readWantsWrite && events & Epoll.writable != 0 { readable = true }
            if layer.writeWantsRead && events & Epoll.readable != 0 { writable = true }
        }
    }

    /// One read into `buffer`'s free space (which must not be empty); the bytes read extend
    /// its readable part. Clears `readable` when the socket turned out drained.
    @inlinable
    public mutating func read(into buffer: inout IOBuffer) -> IOResult {
        let room = buffer.freeCount
        let result = read(buffer.writePointer, room)
        if case .bytes(let n) = result { buffer.writeIndex += n }
        return result
    }

    /// One read of at most `count` bytes to `pointer`. Clears `readable` when the socket
    /// turned out drained.
    @inlinable
    public mutating func read(_ pointer: UnsafeMutableRawPointer, _ count: Int) -> IOResult {
        let result: IOResult
        if let layer { result = layer.read(pointer, count) } else { result = Posix.receive(fd, pointer, count) }
        switch result {
        case .bytes(let n):
            // With edge-triggered epoll, later data (or the end of stream) comes as a new
            // event: a read that drained the socket is not followed by one that finds EAGAIN.
            if n < count && shortReadDrains { readable = false }
        case .wouldBlock:
            readable = false
        case .endOfStream, .failed:
            break
        }
        return result
    }

    /// Writes `a` then `b` in one call (one record under TLS, one writev in plaintext).
    /// Clears `writable` when the socket turned out full.
    @inlinable
    public mutating func write(_ a: UnsafeRawPointer, _ aCount: Int, _ b: UnsafeRawPointer, _ bCount: Int) -> IOResult {
        beforeWrite()
        let result: IOResult
        if let layer { result = layer.writev2(a, aCount, b, bCount) } else { result = Posix.writev2(fd, a, aCount, b, bCount) }
        noteWrite(result, asked: aCount + bCount)
        return result
    }

    /// Writes one buffer; see `write(_:_:_:_:)`.
    @inlinable
    public mutating func write(_ bytes: UnsafeRawPointer, _ count: Int) -> IOResult {
        beforeWrite()
        let result: IOResult
        if let layer { result = layer.write(bytes, count) } else { result = Posix.send(fd, bytes, count) }
        noteWrite(result, asked: count)
        return result
    }

    /// Sends `count` bytes of `file` from `offset` (advanced by what went); a plain socket only.
    @inlinable
    public mutating func sendfile(_ file: Int32, _ offset: inout Int, _ count: Int) -> IOResult {
        beforeWrite()
        let result = Posix.sendfile(fd, file, &offset, count)
        noteWrite(result, asked: count)
        return result
    }

    @inlinable
    mutating func noteWrite(_ result: IOResult, asked: Int) {
        switch result {
        case .bytes(let n):
            // A short plaintext write filled the socket buffer; EPOLLOUT says when it drains.
            // Not under TLS: a TLS write sends one record at a time.
            if n < asked && layer == nil { writable = false }
        case .wouldBlock:
            writable = false
        case .endOfStream, .failed:
            break
        }
    }

    /// Nagle's algorithm can only hold back a write while an earlier one is unacknowledged,
    /// so TCP_NODELAY is set before a connection's second write rather than at accept: a
    /// client that sends one request and closes costs one setsockopt less (nginx likewise
    /// sets it when a connection turns keep-alive).
    @inlinable
    mutating func beforeWrite() {
        if noDelaySet { return }
        if hasWritten {
            Sockets.setNoDelay(fd)
            noDelaySet = true
        }
        hasWritten = true
    }

    /// Whether a read shorter than asked for means the socket is drained.
    @inlinable
    var shortReadDrains: Bool {
        if let layer { return layer.lastReadDrained && !hangupSeen }
        return !hangupSeen
    }

    /// Runs the TLS handshake as far as the socket allows; a step that waits clears the
    /// readiness it waits for.
    public mutating func handshake() -> TransportLayer.HandshakeStep {
        guard let layer else { return .done }
        let step = layer.handshake()
        switch step {
        case .wantRead: readable = false
        case .wantWrite: writable = false
        case .done, .failed: break
        }
        return step
    }

    /// Stops sending (FIN after close_notify under TLS); reading goes on.
    public func shutdownWrite() {
        guard let layer else { return Sockets.shutdownWrite(fd) }
        layer.shutdown()
        if layer.hasSocket { Sockets.shutdownWrite(fd) }
    }

    /// Sends close_notify when under TLS and closes the fd, which also takes it out of
    /// epoll (a socket's fd is never duplicated).
    public mutating func close() {
        guard let layer else { return Posix.close(fd) }
        layer.shutdown()
        self.layer = nil
        if layer.hasSocket { Posix.close(fd) }
    }
}
