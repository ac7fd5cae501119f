import Glibc
import Testing
@testable import ApusHTTP2

/// An idle server session hands its frame buffer, stream table and encoder ring back to the
/// kernel, and works on as before: the pages are read with `mincore`, the session with
/// libnghttp2's own client.
@Suite struct HTTP2SessionMemoryTests {
    /// Pages of the block that are resident.
    static func residentPages(_ start: UnsafeMutableRawPointer, _ count: Int) -> Int {
        let page = HTTP2SessionMemory.pageSize
        var vector = [UInt8](repeating: 0, count: (count + page - 1) / page)
        #expect(mincore(start, count, &vector) == 0)
        return vector.reduce(0) { $0 + Int($1 & 1) }
    }

    static func answer(_ client: HTTP2TestClient, _ server: HTTP2ServerSession, _ stream: Int32, _ body: String) {
        converse(client, server)
        _ = server.respond(streamID: stream, status: 200, fields: [HTTP2Field("server", "apus"), HTTP2Field("content-type", "text/plain")], endStream: false)
        Array(body.utf8).withUnsafeBytes { server.sendData(streamID: stream, $0, endStream: true) }
        converse(client, server)
    }

    /// If libnghttp2 changed how it allocates, the blocks would no longer be recognised and
    /// nothing would be released: this fails first.
    @Test func theThreeBlocksAreRecognised() throws {
        let server = try HTTP2ServerSession()
        #expect(server.memory.placedBlocks.map(\.name) == ["frame buffer", "stream table", "encoder ring"])
        #expect(HTTP2SessionMemory.releasesFrameBuffer)
        // The block taken for the frame buffer is the one libnghttp2 packs frames into.
        let frameBuffer = try #require(server.memory.placedBlocks.first)
        guard case .success(let settings)? = server.nextOutput(), let start = settings.baseAddress else {
            Issue.record("the session wrote no SETTINGS")
            return
        }
        #expect(start >= UnsafeRawPointer(frameBuffer.start) && start + settings.count <= UnsafeRawPointer(frameBuffer.start) + HTTP2SessionMemory.frameBufferChunkLength)
        // A client session keeps an encoder table, so its ring stays where malloc puts it.
        let client = try HTTP2ClientSession()
        #expect(!client.memory.placedBlocks.map(\.name).contains("encoder ring"))
    }

    @Test func anIdleSessionReleasesItsPagesAndWorksOn() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let big = String(repeating: "x", count: 40_000)
        let first = client.request(HTTP2ServerSessionTests.get + [("user-agent", "memory-test"), ("cookie", "session=12345678901234567890")])
        Self.answer(client, server, first, big)
        #expect(String(decoding: client.responses[first]?.body ?? [], as: UTF8.self) == big)
        let blocks = server.memory.placedBlocks
        #expect(blocks.reduce(0) { $0 + Self.residentPages($1.start, $1.count) } > 0)

        server.releaseIdleMemory()
        for block in blocks {
            #expect(Self.residentPages(block.start, block.count) == 0, "\(block.name) still resident")
        }

        // The next requests reuse the released pages: the HPACK decoder still knows the
        // fields indexed before, and a full-sized DATA frame goes out whole.
        let second = client.request(HTTP2ServerSessionTests.get + [("user-agent", "memory-test"), ("cookie", "session=12345678901234567890")])
        let events = converse(client, server)
        let head = try #require(HTTP2ServerSessionTests.requests(events).first)
        #expect(head.fields.contains(HTTP2Field("cookie", "session=12345678901234567890")))
        Self.answer(client, server, second, big)
        let response = try #require(client.responses[second])
        #expect(response.status == 200 && response.fields.map(\.0) == ["server", "content-type"])
        #expect(String(decoding: response.body, as: UTF8.self) == big)
        server.releaseIdleMemory()
        let third = client.request(HTTP2ServerSessionTests.get)
        Self.answer(client, server, third, "small")
        #expect(String(decoding: client.responses[third]?.body ?? [], as: UTF8.self) == "small")
    }

    /// With frames still to send, nothing is released: the frame buffer may hold the rest
    /// of one.
    @Test func pendingOutputKeepsTheFrameBuffer() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let big = String(repeating: "y", count: 40_000)
        let stream = client.request(HTTP2ServerSessionTests.get)
        converse(client, server)
        _ = server.respond(streamID: stream, status: 200, fields: [], endStream: false)
        Array(big.utf8).withUnsafeBytes { server.sendData(streamID: stream, $0, endStream: true) }
        guard case .success(let first)? = server.nextOutput() else {
            Issue.record("the session wrote nothing")
            return
        }
        client.receive(Array(first))
        let frameBuffer = try #require(server.memory.placedBlocks.first { $0.name == "frame buffer" })
        let resident = Self.residentPages(frameBuffer.start, frameBuffer.count)
        server.releaseIdleMemory()
        #expect(Self.residentPages(frameBuffer.start, frameBuffer.count) == resident)
        converse(client, server)
        #expect(String(decoding: client.responses[stream]?.body ?? [], as: UTF8.self) == big)
    }

    /// With a stream open, the stream table holds it and stays.
    @Test func onlyWhatIsIdleGoes() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let open = client.request(HTTP2ServerSessionTests.get)
        converse(client, server)
        let table = try #require(server.memory.placedBlocks.first { $0.name == "stream table" })
        server.releaseIdleMemory()
        #expect(Self.residentPages(table.start, table.count) == 1)
        Self.answer(client, server, open, "done")
        #expect(client.responses[open]?.status == 200)
    }
}
