import COpenSSL
import CShims
import Glibc

/// One TLS connection over a non-blocking socket (through `capus_tls_socket_bio` on the
/// fd, which the stream does not own or close).
///
/// `read` returns at most one record per call, so a short read alone does not mean the
/// socket is drained: `lastReadDrained` says whether it is. OpenSSL may need the opposite direction
/// (a read that must write, a write that must read); the `…Wants…` flags say so, and the
/// caller retries that operation when the other readiness arrives.
/// Thread rule: owned by one worker.
public final class TLSStream: TransportLayer {
    let ssl: OpaquePointer
    /// Owned by `ssl`.
    private let bio: OpaquePointer
    /// Keeps the context (and the SNI callback's certificate set) alive for this stream.
    private let owner: AnyObject
    /// Worker-owned bytes where a head and a body prefix are joined into one record.
    private let coalescing: UnsafeMutableRawBufferPointer
    public private(set) var handshakeDone = false
    /// The client-certificate policy the handshake asked under (set by the ClientHello
    /// callback); nil when it asked for none.
    public internal(set) var clientVerification: TLSClientVerification?
    /// ALPN may choose `h2` for this connection (its listener serves HTTP/2).
    var offersHTTP2 = false
    /// `clientCertificate()`'s answer, read once per connection.
    var readClientCertificate: ClientCertificate?

    init?(ctx: OpaquePointer, fd: Int32, owner: AnyObject, coalescing: UnsafeMutableRawBufferPointer) {
        guard let ssl = SSL_new(ctx) else {
            _ = OpenSSLErrors.drain()
            return nil
        }
        guard let bio = capus_tls_socket_bio(fd) else {
            _ = OpenSSLErrors.drain()
            SSL_free(ssl)
            return nil
        }
        SSL_set_bio(ssl, bio, bio)
        // Read whole socket buffers, not a record header and then its body: fewer reads,
        // and a short read then says the socket is drained (`lastReadDrained`).
        SSL_set_read_ahead(ssl, 1)
        self.ssl = ssl
        self.bio = bio
        self.owner = owner
        self.coalescing = coalescing
        super.init()
        // For the server name callback, which has only the SSL; the stream outlives it.
        _ = SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        SSL_free(ssl)
    }

    /// The stream of a connection, for OpenSSL's callbacks (which get only the SSL).
    static func of(_ ssl: OpaquePointer) -> TLSStream? {
        SSL_get_ex_data(ssl, 0).map { Unmanaged<TLSStream>.fromOpaque($0).takeUnretainedValue() }
    }

    /// The certificate set of a server-side stream.
    var serverContextSet: TLSServerContextSet? { owner as? TLSServerContextSet }

    public override func handshake() -> HandshakeStep {
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            handshakeDone = true
            return .done
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_SYSCALL:
            let reasons = OpenSSLErrors.drain()
            return .failed(reasons.isEmpty ? "connection closed during the handshake" : reasons)
        default:
            let reasons = OpenSSLErrors.drain()
            return .failed(reasons.isEmpty ? "handshake failed" : reasons)
        }
    }

    public override func read(_ buffer: UnsafeMutableRawPointer, _ count: Int) -> IOResult {
        readWantsWrite = false
        capus_tls_socket_bio_forget_reads(bio)
        let n = SSL_read(ssl, buffer, Int32(min(count, Int(Int32.max))))
        if n > 0 { return .bytes(Int(n)) }
        return failure(n, isRead: true)
    }

    /// The last `read` emptied the socket and OpenSSL holds no unread bytes: what arrives
    /// next comes as a new epoll edge. False when unknown (the read was served from
    /// OpenSSL's buffer without touching the socket).
    public override var lastReadDrained: Bool {
        capus_tls_socket_bio_read_was_short(bio) != 0 && SSL_has_pending(ssl) == 0
    }

    public override func write(_ buffer: UnsafeRawPointer, _ count: Int) -> IOResult {
        writeWantsRead = false
        let n = SSL_write(ssl, buffer, Int32(min(count, Int(Int32.max))))
        if n > 0 { return .bytes(Int(n)) }
        return failure(n, isRead: false)
    }

    /// Writes `a` then `b` as if they were one buffer. A small head and the start of the
    /// body go out as one record (one syscall); a retry after `.wouldBlock` presents at
    /// least as many bytes as the attempt before, which OpenSSL requires.
    public override func writev2(_ a: UnsafeRawPointer, _ aCount: Int, _ b: UnsafeRawPointer, _ bCount: Int) -> IOResult {
        if bCount == 0 { return write(a, aCount) }
        if aCount == 0 { return write(b, bCount) }
        let room = coalescing.count
        guard aCount < room else { return write(a, aCount) }
        let fromB = min(bCount, room - aCount)
        let base = coalescing.baseAddress!
        base.copyMemory(from: a, byteCount: aCount)
        (base + aCount).copyMemory(from: b, byteCount: fromB)
        return write(base, aCount + fromB)
    }

    /// Sends close_notify, once, without waiting for the peer's.
    public override func shutdown() {
        guard handshakeDone, SSL_get_shutdown(ssl) & Int32(SSL_SENT_SHUTDOWN) == 0 else { return }
        if SSL_shutdown(ssl) < 0 { _ = OpenSSLErrors.drain() }
    }

    /// The application protocol ALPN chose: `h2` makes the connection HTTP/2.
    public var negotiatedHTTP2: Bool {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length == 2 else { return false }
        return data[0] == UInt8(ascii: "h") && data[1] == UInt8(ascii: "2")
    }

    /// The negotiated protocol, e.g. `TLSv1.3`.
    public var protocolVersion: String {
        String(cString: SSL_get_version(ssl))
    }

    private func failure(_ result: Int32, isRead: Bool) -> IOResult {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ:
            if !isRead { writeWantsRead = true }
            return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            if isRead { readWantsWrite = true }
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            return .endOfStream
        case SSL_ERROR_SYSCALL:
            let code = errno
            _ = OpenSSLErrors.drain()
            return code == 0 ? .endOfStream : .failed(code)
        default:
            _ = OpenSSLErrors.drain()
            return .failed(EPROTO)
        }
    }
}
