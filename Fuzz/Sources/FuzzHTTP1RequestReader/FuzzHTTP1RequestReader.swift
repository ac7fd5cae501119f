import ApusHTTP2

/// The reader that turns the proxy's HTTP/1.1 request into a stream to an HTTP/2 upstream.
/// Input: one byte that chooses where the request is cut into pieces, then the request.
///
/// Properties: no trap; one head, first, with the four pseudo-header fields first and
/// every name lowercase and never connection-specific (`te` only as `trailers`); nothing
/// after the end of the stream; a body that completes with a Content-Length has exactly
/// that many bytes; and the same bytes give the same frames however they are cut.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 1 else { return 0 }
    let cut = Int(data[0])
    let request = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let whole = read(request, pieces: [request.count])
    var pieces: [Int] = []
    var left = request.count
    while left > 0 {
        let piece = min(left, 1 + (cut + pieces.count) % 7)
        pieces.append(piece)
        left -= piece
    }
    let cutUp = read(request, pieces: pieces)
    precondition(whole == cutUp, "frames depend on how the request was cut: \(whole) vs \(cutUp)")
    return 0
}

struct Frames: Equatable, CustomStringConvertible {
    var fields: [HTTP2Field]?
    var body: [UInt8] = []
    var trailers: [HTTP2Field] = []
    var ended = false
    var valid = true

    var description: String {
        "\(fields?.count ?? -1) fields, \(body.count) body bytes, \(trailers.count) trailers, ended \(ended), valid \(valid)"
    }
}

let connectionSpecific = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"]

func read(_ request: UnsafeRawBufferPointer, pieces: [Int]) -> Frames {
    var reader = HTTP1RequestReader(scheme: "http")
    var frames = Frames()
    var offset = 0
    for piece in pieces where frames.valid {
        let bytes = UnsafeRawBufferPointer(rebasing: request[offset..<(offset + piece)])
        offset += piece
        frames.valid = reader.take(bytes) { output in
            precondition(!frames.ended, "output after the end of the stream")
            switch output {
            case .head(let block, let endStream):
                let fields = block.fields
                precondition(frames.fields == nil, "a second head")
                let pseudo = fields.prefix(4).map { String(decoding: $0.name, as: UTF8.self) }
                precondition(pseudo == [":method", ":scheme", ":authority", ":path"], "pseudo-header fields \(pseudo)")
                for field in fields.dropFirst(4) {
                    precondition(field.name.first != UInt8(ascii: ":"), "a pseudo-header field after the first four")
                    precondition(!field.name.contains { $0 >= 0x41 && $0 <= 0x5A }, "an uppercase field name")
                    precondition(!connectionSpecific.contains { field.name.elementsEqual($0.utf8) }, "a connection-specific field")
                    if field.name.elementsEqual("te".utf8) { precondition(field.value.elementsEqual("trailers".utf8)) }
                }
                frames.fields = fields
                frames.ended = endStream
            case .body(let bytes, let endStream):
                precondition(frames.fields != nil, "a body before the head")
                frames.body += bytes
                frames.ended = endStream
            case .trailers(let fields):
                precondition(frames.fields != nil && !fields.isEmpty, "trailers before the head, or none")
                frames.trailers = fields
                frames.ended = true
            }
        }
    }
    if frames.ended, frames.valid, let fields = frames.fields,
       let length = fields.first(where: { $0.name.elementsEqual("content-length".utf8) }).flatMap({ Int(String(decoding: $0.value, as: UTF8.self)) }),
       frames.trailers.isEmpty, !fields.contains(where: { $0.name.elementsEqual("transfer-encoding".utf8) }) {
        precondition(frames.body.count == length, "a body of \(frames.body.count) bytes for Content-Length \(length)")
    }
    return frames
}
