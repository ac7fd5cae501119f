import ApusNet
import Testing

@Suite struct IOBufferTests {
    /// Consuming everything rewinds the indices so the whole capacity is free again.
    @Test func consumeAllRewinds() {
        let pool = BufferPool(bufferSize: 64)
        var buffer = IOBuffer()
        pool.acquire(into: &buffer)
        buffer.writePointer.storeBytes(of: 0x41, as: UInt8.self)
        buffer.writeIndex += 10
        buffer.consume(4)
        #expect(buffer.readableCount == 6)
        buffer.consume(6)
        #expect(buffer.readIndex == 0 && buffer.writeIndex == 0 && buffer.freeCount == pool.bufferSize)
        pool.release(&buffer)
        #expect(!buffer.isAllocated)
    }

    /// Compaction keeps unread bytes, moved to the front.
    @Test func compactKeepsUnreadBytes() {
        let pool = BufferPool(bufferSize: 16)
        var buffer = IOBuffer()
        pool.acquire(into: &buffer)
        for i in 0..<16 { (buffer.base! + i).storeBytes(of: UInt8(i), as: UInt8.self) }
        buffer.writeIndex = 16
        buffer.consume(10)
        buffer.compact()
        #expect(buffer.readIndex == 0 && buffer.writeIndex == 6)
        #expect(Array(buffer.readable) == [10, 11, 12, 13, 14, 15])
        pool.release(&buffer)
    }

    /// Released memory is handed out again instead of allocating.
    @Test func poolReusesMemory() {
        let pool = BufferPool(bufferSize: 32)
        var a = IOBuffer()
        pool.acquire(into: &a)
        let first = a.base
        pool.release(&a)
        var b = IOBuffer()
        pool.acquire(into: &b)
        #expect(b.base == first)
        pool.release(&b)
    }
}
