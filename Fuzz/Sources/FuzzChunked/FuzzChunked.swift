import ApusHTTP

/// Properties of the chunked decoder: no crash, data ranges inside the input, consumed
/// never beyond the input, and the same payload, end and verdict whether the stream is
/// fed at once, one byte at a time, or in uneven pieces.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let whole = decode(input, piece: { _ in size })
    let byByte = decode(input, piece: { _ in 1 })
    let uneven = decode(input, piece: { at in 1 + Int(data[at] % 7) })
    precondition(whole == byByte, "byte-at-a-time disagrees")
    precondition(whole == uneven, "uneven pieces disagree")
    return 0
}

struct Outcome: Equatable {
    var payload: [UInt8] = []
    var end: Int?
    var failure: HTTPParseError?
    var payloadBytes: Int64 = 0
}

func decode(_ input: UnsafeRawBufferPointer, piece: (Int) -> Int) -> Outcome {
    var decoder = ChunkedDecoder()
    var o = Outcome()
    var start = 0
    var available = 0
    while available < input.count {
        available = min(input.count, available + piece(available))
        while start < available {
            let slice = UnsafeRawBufferPointer(rebasing: input[start..<available])
            switch decoder.decode(slice) {
            case .needMore(let consumed):
                precondition(consumed == slice.count, "needMore must consume everything it saw")
                start += consumed
            case .data(let offset, let count, let consumed):
                precondition(offset >= 0 && count > 0 && offset + count == consumed && consumed <= slice.count)
                o.payload.append(contentsOf: slice[offset..<(offset + count)])
                start += consumed
            case .end(let consumed):
                precondition(consumed > 0 && consumed <= slice.count)
                o.end = start + consumed
                o.payloadBytes = decoder.payloadBytes
                return o
            case .failed(let error):
                precondition(error.offset >= start && error.offset < available, "fault offset outside the input")
                o.failure = error
                o.payloadBytes = decoder.payloadBytes
                return o
            }
        }
    }
    o.payloadBytes = decoder.payloadBytes
    precondition(o.payloadBytes == Int64(o.payload.count))
    return o
}
