import ApusCore

/// The affinity cookie as a client sends it, and the ring lookups it leads to: parsing never
/// traps, a value that parses is written back byte for byte, the browser test on the same
/// bytes as a User-Agent never traps, and any key lands on a member of a ring of 1 to 16
/// endpoints, walking from it visits every member.
/// Built once: building is the control plane's work, the lookups are what clients drive.
let rings = (1...16).map { count in HashRing(identities: (0..<count).map { "10.0.0.\($0):80" }) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let value = AffinityCookieValue.parse(bytes) {
        var written: [UInt8] = []
        AffinityCookieValue.write(value, into: &written)
        precondition(written.elementsEqual(bytes), "\(value) is not written back as it was read")
    }
    _ = SameSiteCompatibility.rejectsNone(userAgent: bytes)
    let members = Int((bytes.first ?? 0) & 15) + 1
    let ring = rings[members - 1]
    let key = KeyHasher.hash(bytes)
    guard let position = ring.position(of: key), let owner = ring.owner(of: key) else { preconditionFailure("an empty ring") }
    precondition((0..<members).contains(owner) && Int(ring.owners[position]) == owner)
    var seen = Set<Int>()
    precondition(ring.firstOwner(from: position) { seen.insert($0); return false } == nil && seen.count == members)
    return 0
}
