import ApusHTTP

/// Bytes that go out ahead of a body, and how many of them went: a request head for the
/// upstream, or a response head (or a whole local response) for the downstream.
///
/// Its `HeadBuffer` keeps its storage across exchanges, so a steady stream of requests
/// allocates no head buffer. Noncopyable, as the buffer is.
struct PendingBytes: ~Copyable {
    var buffer = HeadBuffer()
    var sent = 0

    @inline(__always)
    var remaining: Int { buffer.count - sent }

    /// The first byte not sent yet (nil while nothing was ever written).
    @inline(__always)
    var unsent: UnsafeRawPointer? { buffer.start.map { UnsafeRawPointer($0 + sent) } }

    /// Drops the bytes (sent or not), keeping the storage.
    @inline(__always)
    mutating func clear() {
        buffer.removeAll()
        sent = 0
    }

    /// The bytes become `bytes`, none sent.
    mutating func replace(with bytes: [UInt8]) {
        clear()
        buffer.append(contentsOf: bytes)
    }
}
