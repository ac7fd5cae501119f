import ApusHTTP2

/// `grpc-timeout` values as a client sends them: no trap; a value that parses is digits
/// and one unit, and the same digits in a larger unit never give a shorter timeout.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let milliseconds = GRPCTimeout.milliseconds(bytes) else { return 0 }
    precondition(size >= 2 && size <= 9 && bytes.dropLast().allSatisfy { $0 >= 0x30 && $0 <= 0x39 })
    let units = Array("numSMH".utf8)
    let unit = units.firstIndex(of: bytes[size - 1])!
    if unit + 1 < units.count {
        let larger = Array(bytes.dropLast()) + [units[unit + 1]]
        precondition(GRPCTimeout.milliseconds(larger)! >= milliseconds, "a larger unit gave a shorter timeout")
    }
    return 0
}
