import ApusCore

/// Client address ranges as written in `allow`/`deny` and the source-range annotations:
/// parsing never traps; a range that parses contains its first and last address and
/// parses again from its text to the same range; an address that parses is inside its
/// own single-address range.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if case .success(let range) = AddressRange.parse(text) {
        precondition(range.contains(range.network), "\(text): the range does not contain its network")
        let last = ClientAddress(high: range.network.high | ~range.maskHigh, low: range.network.low | ~range.maskLow)
        precondition(range.contains(last), "\(text): the range does not contain its last address")
        precondition(AddressRange.parse(range.text) == .success(range), "\(text): the range's text parses to another range")
    }
    if let address = ClientAddress(parsing: text), case .success(let single) = AddressRange.parse(text) {
        precondition(single.contains(address), "\(text): an address is outside its own range")
    }
    _ = CompiledAccessList(allow: [], deny: []).permits(ClientAddress(high: 0, low: 0))
    return 0
}
