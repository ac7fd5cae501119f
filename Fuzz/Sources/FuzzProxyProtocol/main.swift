import ApusNet

/// The PROXY protocol header a `proxy_protocol` listener peeks at: parsing never traps; a
/// header is no longer than the bytes it was found in nor than the limit, and its own
/// bytes alone parse to the same header (nothing after it is needed or taken); only a
/// beginning shorter than the limit waits for more.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch ProxyProtocolHeader.parse(bytes) {
    case .needMore:
        precondition(size < ProxyProtocolHeader.maximumLength, "\(size) bytes still wait for more")
    case .invalid:
        break
    case .header(let length, let source):
        precondition(length > 0 && length <= size && length <= ProxyProtocolHeader.maximumLength, "header length \(length) of \(size) bytes")
        guard case .header(let again, let sourceAgain) = ProxyProtocolHeader.parse(UnsafeRawBufferPointer(rebasing: bytes[0..<length])) else {
            preconditionFailure("the header's own \(length) bytes do not parse as a header")
        }
        precondition(again == length && sourceAgain?.hostText == source?.hostText, "the header's own bytes parse differently")
    }
    return 0
}
