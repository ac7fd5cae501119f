import ApusNet

/// The server_name extension read in the ClientHello callback: parsing never traps, and a
/// name it returns is what a host-name lookup can take (non-empty, printable ASCII,
/// lowercase, no trailing dot, at most 255 bytes).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let name = ServerNameExtension.hostName(UnsafeRawBufferPointer(start: data, count: size)) else { return 0 }
    precondition(!name.isEmpty && name.utf8.count <= 255, "name of \(name.utf8.count) bytes")
    precondition(name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !($0 >= 0x41 && $0 <= 0x5A) }, "a byte a host name cannot hold")
    precondition(!name.hasSuffix("."), "a trailing dot")
    return 0
}
