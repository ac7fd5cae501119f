import ApusHTTP
import ApusHTTP2

/// The reader that turns the proxy's HTTP/1.1 response into an HTTP/2 stream's frames.
/// Input: one byte of flags (bit 0: a HEAD request, bit 1: a WebSocket tunnel), one byte
/// that chooses where the response is cut into pieces, then the response bytes.
///
/// Properties: no trap; one head at most, before any body or trailers, and nothing after
/// the end of the stream; trailer names lowercase and never connection-specific; a
/// Content-Length body that completes has exactly that many bytes; and the same bytes give
/// the same frames however they are cut into writes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 2 else { return 0 }
    let flags = data[0]
    let cut = Int(data[1])
    let response = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    let method: HTTPMethod = flags & 1 != 0 ? .head : .get
    let whole = read(response, pieces: [response.count], method: method, tunnel: flags & 2 != 0)
    // Pieces of 1 + cut % 7 bytes, then the rest.
    var pieces: [Int] = []
    var left = response.count
    while left > 0 {
        let piece = min(left, 1 + (cut + pieces.count) % 7)
        pieces.append(piece)
        left -= piece
    }
    let cutUp = read(response, pieces: pieces, method: method, tunnel: flags & 2 != 0)
    precondition(whole == cutUp, "frames depend on how the response was cut: \(whole) vs \(cutUp)")
    return 0
}

struct Frames: Equatable, CustomStringConvertible {
    var status: Int?
    var fieldCount = 0
    var trailers: [HTTP2Field] = []
    var body: [UInt8] = []
    var ended = false
    var valid = true

    var description: String {
        "status \(status.map(String.init) ?? "-"), \(fieldCount) fields, \(body.count) body bytes, \(trailers.count) trailers, ended \(ended), valid \(valid)"
    }
}

func read(_ response: UnsafeRawBufferPointer, pieces: [Int], method: HTTPMethod, tunnel: Bool) -> Frames {
    var reader = HTTP1ResponseReader(requestMethod: method, isTunnel: tunnel)
    var frames = Frames()
    var lengthField: Int?
    var offset = 0
    for piece in pieces where frames.valid {
        let bytes = UnsafeRawBufferPointer(rebasing: response[offset..<(offset + piece)])
        offset += piece
        frames.valid = reader.take(bytes) { output in
            precondition(!frames.ended, "output after the end of the stream")
            switch output {
            case .head(let status, let block, let endStream):
                precondition(frames.status == nil, "a second head")
                precondition(status >= 200 && status <= 999, "status \(status)")
                let all = block.fields
                precondition(all.first.map { String(decoding: $0.name + [0x3D] + $0.value, as: UTF8.self) } == ":status=\(status)", "the head does not begin with its :status")
                let fields = all.dropFirst()
                frames.status = status
                frames.fieldCount = fields.count
                frames.ended = endStream
                for field in fields where field.name.elementsEqual("content-length".utf8) {
                    lengthField = Int(String(decoding: field.value, as: UTF8.self))
                }
                for field in fields {
                    precondition(!field.name.contains { $0 >= 0x41 && $0 <= 0x5A }, "an uppercase field name")
                    precondition(!field.name.elementsEqual("transfer-encoding".utf8) && !field.name.elementsEqual("connection".utf8))
                }
            case .body(let bytes, let endStream):
                precondition(frames.status != nil, "a body before the head")
                frames.body += bytes
                frames.ended = endStream
            case .trailers(let fields):
                precondition(frames.status != nil, "trailers before the head")
                precondition(!fields.isEmpty, "an empty trailer section")
                for field in fields {
                    precondition(!field.name.isEmpty && !field.name.contains { $0 >= 0x41 && $0 <= 0x5A }, "a trailer name not lowercase")
                    precondition(!["connection", "transfer-encoding", "content-length", "te", "host"].contains { field.name.elementsEqual($0.utf8) })
                }
                frames.trailers = fields
                frames.ended = true
            }
        }
    }
    if frames.ended, frames.valid, let lengthField, method != .head, frames.status.map({ $0 != 204 && $0 != 304 }) ?? false, !tunnel {
        precondition(frames.body.count == lengthField, "a body of \(frames.body.count) bytes for Content-Length \(lengthField)")
    }
    return frames
}
