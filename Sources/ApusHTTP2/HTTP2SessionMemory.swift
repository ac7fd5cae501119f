import CNghttp2
#if canImport(Glibc)
import Glibc
#endif

/// The heap of one libnghttp2 session, given to it as its `nghttp2_mem`, so that an idle
/// session can hand pages back to the kernel.
///
/// A session holds about 27 KB while it carries no stream, most of it in three blocks that
/// matter only while frames flow. nginx frees its buffers between requests; libnghttp2 has
/// no call to do so. Those three blocks are therefore placed on pages of their own, and
/// `releaseIdlePages` drops the pages whose contents no longer matter
/// (`madvise(MADV_DONTNEED)`: they read back as zeros, and the kernel backs them again only
/// when they are written):
/// - the 16 KiB outbound frame buffer, whose bytes are dead once the session sent
///   everything: libnghttp2 resets it before it packs the next frame and never reads a byte
///   it did not write;
/// - the 4 KiB stream table and the HPACK encoder's ring, each dropped only while it holds
///   nothing but zeros (the table once the last stream is gone; a server session's ring
///   always, as Apus encodes responses without a dynamic table), which releasing cannot
///   change.
///
/// Each block is recognised by the size libnghttp2 asks for. A wrong guess costs memory,
/// never correctness, except for the frame buffer, whose size nothing else asks of
/// `realloc`. Everything else is passed to malloc as it is.
///
/// Thread rule: as its session's.
final class HTTP2SessionMemory {
    private var frameBuffer: UnsafeMutableRawPointer?
    /// One page, as libnghttp2 asks `calloc` for it.
    private var streamTable: UnsafeMutableRawPointer?
    /// One page. The session creates its encoder before its decoder, so the first ring it
    /// allocates is the encoder's.
    private var encoderRing: UnsafeMutableRawPointer?

    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// libnghttp2's frame buffer chunk (NGHTTP2_FRAMEBUF_CHUNKLEN: a frame header, a pad
    /// length byte and the largest payload), which it asks `realloc` for from nothing.
    static let frameBufferChunkLength = 9 + 1 + 16_384
    /// The bytes of the whole pages the frame buffer fills (what a release drops).
    static var frameBufferWholePages: Int { frameBufferChunkLength & ~(pageSize - 1) }

    /// An HPACK context's ring when it is created: an entry pointer for each 32 bytes of
    /// the default 4,096-byte table.
    static let hpackRingLength = 4_096 / 32 * MemoryLayout<UnsafeRawPointer>.size

    /// The frame buffer rule rests on how libnghttp2 allocates and resets its buffer, read
    /// in 1.52 (Debian 12's) and in its current 1.x source; under another version the
    /// buffer is left alone.
    static let releasesFrameBuffer: Bool = {
        guard let info = nghttp2_version(0) else { return false }
        return (0x01_34_00..<0x02_00_00).contains(info.pointee.version_num)
    }()

    /// Blocks are placed on pages of their own only where a page is 4 KiB: with larger
    /// pages a block would hold more memory than it could give back.
    static let placesBlocks = pageSize == 4_096

    /// The allocator for `nghttp2_session_*_new3`; valid while this object lives, which
    /// must be as long as the session. `encoderKeepsNoTable`: the session's HPACK encoder
    /// has a dynamic table size of 0, so its ring can go on a page of its own.
    func allocator(encoderKeepsNoTable: Bool) -> nghttp2_mem {
        let placingRing: nghttp2_malloc = { size, user in HTTP2SessionMemory.from(user).allocate(size) }
        let plain: nghttp2_malloc = { size, _ in Glibc.malloc(size) }
        return nghttp2_mem(mem_user_data: Unmanaged.passUnretained(self).toOpaque(),
                    malloc: encoderKeepsNoTable ? placingRing : plain,
                    free: { pointer, user in HTTP2SessionMemory.release(pointer, user) },
                    calloc: { count, size, user in HTTP2SessionMemory.from(user).allocateZeroed(count, size) },
                    realloc: { pointer, size, user in HTTP2SessionMemory.from(user).reallocate(pointer, size) })
    }

    private static func from(_ user: UnsafeMutableRawPointer?) -> HTTP2SessionMemory {
        Unmanaged<HTTP2SessionMemory>.fromOpaque(user!).takeUnretainedValue()
    }

    /// `size` bytes at the start of pages of their own, zeroed if asked.
    private static func pages(_ size: Int, zeroed: Bool) -> UnsafeMutableRawPointer? {
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, pageSize, size) == 0, let pointer else { return nil }
        if zeroed { memset(pointer, 0, size) }
        return pointer
    }

    private func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        guard Self.placesBlocks && encoderRing == nil && size == Self.hpackRingLength else { return malloc(size) }
        // The encoder's ring takes a whole zeroed page, which stays zero.
        encoderRing = Self.pages(Self.pageSize, zeroed: true)
        return encoderRing
    }

    private func allocateZeroed(_ count: Int, _ size: Int) -> UnsafeMutableRawPointer? {
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow else { return nil }
        guard Self.placesBlocks && streamTable == nil && total == Self.pageSize else { return calloc(count, size) }
        streamTable = Self.pages(total, zeroed: true)
        return streamTable
    }

    private func reallocate(_ pointer: UnsafeMutableRawPointer?, _ size: Int) -> UnsafeMutableRawPointer? {
        guard Self.placesBlocks && Self.releasesFrameBuffer && pointer == nil && frameBuffer == nil
                && size == Self.frameBufferChunkLength else {
            if let pointer { forget(pointer) }
            return realloc(pointer, size)
        }
        frameBuffer = Self.pages(size, zeroed: false)
        return frameBuffer
    }

    private static func release(_ pointer: UnsafeMutableRawPointer?, _ user: UnsafeMutableRawPointer?) {
        guard let pointer else { return }
        // Only a page-aligned block can be one of the three.
        if Int(bitPattern: pointer) & (pageSize - 1) == 0 { from(user).forget(pointer) }
        free(pointer)
    }

    /// The block is going: it must never be released again.
    private func forget(_ pointer: UnsafeMutableRawPointer) {
        if pointer == frameBuffer { frameBuffer = nil }
        if pointer == streamTable { streamTable = nil }
        if pointer == encoderRing { encoderRing = nil }
    }

    /// Hands the pages back that hold nothing the session will read again. Call only while
    /// the session has nothing to send (`nghttp2_session_want_write` is 0), so that its frame
    /// buffer was reset after the last frame.
    func releaseIdlePages() {
        if let frameBuffer { madvise(frameBuffer, Self.frameBufferWholePages, MADV_DONTNEED) }
        if let streamTable { Self.releaseIfZero(streamTable) }
        if let encoderRing { Self.releaseIfZero(encoderRing) }
    }

    private static func releaseIfZero(_ page: UnsafeMutableRawPointer) {
        var any: UInt64 = 0
        for offset in stride(from: 0, to: pageSize, by: 8) { any |= page.load(fromByteOffset: offset, as: UInt64.self) }
        if any == 0 { madvise(page, pageSize, MADV_DONTNEED) }
    }

    /// The blocks placed on pages of their own, with the bytes each spans (for tests).
    var placedBlocks: [(name: String, start: UnsafeMutableRawPointer, count: Int)] {
        var blocks: [(name: String, start: UnsafeMutableRawPointer, count: Int)] = []
        if let frameBuffer { blocks.append(("frame buffer", frameBuffer, Self.frameBufferWholePages)) }
        if let streamTable { blocks.append(("stream table", streamTable, Self.pageSize)) }
        if let encoderRing { blocks.append(("encoder ring", encoderRing, Self.pageSize)) }
        return blocks
    }
}
