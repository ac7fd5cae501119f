import ApusNet
import CZlib
import Testing

/// The deflater the data plane streams responses through, checked against zlib's own inflate.
@Suite struct GzipDeflaterTests {
    /// Decodes a gzip stream; `complete` tells whether it ended with its trailer.
    static func inflate(_ input: [UInt8]) -> (bytes: [UInt8], complete: Bool) {
        var stream = z_stream()
        guard inflateInit2_(&stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return ([], false) }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var input = input
        var result = Z_OK
        input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    result = CZlib.inflate(&stream, Z_SYNC_FLUSH)
                    return outBuffer.count - Int(stream.avail_out)
                }
                output += chunk[0..<produced]
            } while result == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        return (output, result == Z_STREAM_END)
    }

    /// Pseudo-random bytes (deflate can't shrink them, so output outgrows small buffers).
    static func noise(_ count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    /// Feeds `input` in `piece`-sized parts through an output buffer of `room` bytes, syncing
    /// after each part when asked, then finishes; every call that can't flush fully is repeated.
    static func run(_ deflater: GzipDeflater, _ input: [UInt8], piece: Int, room: Int, sync: Bool,
                    afterSync: (([UInt8], Int) -> Void)? = nil) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: room)
        func call(_ bytes: ArraySlice<UInt8>, _ flush: GzipDeflater.Flush) -> GzipDeflater.Step {
            bytes.withUnsafeBytes { inBytes in
                buffer.withUnsafeMutableBytes { outBytes in
                    let step = deflater.compress(inBytes, into: outBytes, flush: flush)
                    out += outBytes[0..<step.produced]
                    return step
                }
            }
        }
        var offset = 0
        while offset < input.count {
            let end = min(offset + piece, input.count)
            var part = input[offset..<end]
            while !part.isEmpty {
                let step = call(part, .none)
                part = part.dropFirst(step.consumed)
            }
            offset = end
            if sync {
                while !call([], .sync).flushed {}
                afterSync?(out, offset)
            }
        }
        while !call([], .finish).flushed {}
        return out
    }

    /// Text and incompressible input, in large and tiny pieces through large and tiny output
    /// buffers, decode to the input; a sync flush makes everything so far decodable.
    @Test(arguments: [(65_536, 32_000), (1_000, 64), (300_000, 7)])
    func roundTrips(piece: Int, room: Int) throws {
        let text = Array(String(repeating: "gzip in a proxy, one chunk at a time. ", count: 5_000).utf8)
        for input in [text, Self.noise(400_000), []] {
            let deflater = try #require(GzipDeflater(level: 5))
            let plain = Self.run(deflater, input, piece: piece, room: room, sync: false)
            #expect(plain.prefix(2) == [0x1F, 0x8B])
            let decoded = Self.inflate(plain)
            #expect(decoded.complete && decoded.bytes == input, "piece \(piece), room \(room), \(input.count) bytes")

            deflater.reset()
            let synced = Self.run(deflater, input, piece: piece, room: room, sync: true) { soFar, fed in
                #expect(Self.inflate(soFar).bytes == Array(input[0..<fed]), "after a sync flush at \(fed)")
            }
            let decodedSynced = Self.inflate(synced)
            #expect(decodedSynced.complete && decodedSynced.bytes == input)
        }
    }

    /// Levels shape the output (9 no bigger than 1 on text); a reset deflater starts a fresh stream.
    @Test func levelsAndReuse() throws {
        let text = Array((0..<200_000).map { i in UInt8(ascii: "a") + UInt8((i * i + i / 7) % 26) })
        let fast = try #require(GzipDeflater(level: 1))
        let small = try #require(GzipDeflater(level: 9))
        let fastOut = Self.run(fast, text, piece: 16_384, room: 65_536, sync: false)
        let smallOut = Self.run(small, text, piece: 16_384, room: 65_536, sync: false)
        #expect(smallOut.count <= fastOut.count)
        #expect(fast.level == 1 && small.level == 9)
        fast.reset()
        let again = Self.run(fast, text, piece: 16_384, room: 65_536, sync: false)
        #expect(again == fastOut)
        #expect(GzipDeflater(level: 10) == nil)
    }
}
