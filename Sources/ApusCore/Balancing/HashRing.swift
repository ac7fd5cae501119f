/// A consistent-hash ring (Karger et al., as in Ketama and ingress-nginx's resty.chash):
/// each member owns `pointsPerMember` points placed by hashing its identity, and a key
/// belongs to the member of the first point at or after the key's hash.
///
/// Members are placed by identity, not by their position in a list, so adding one member
/// to n takes about 1/(n+1) of the keys, all of them for the new member, and removing one
/// moves only its own keys. Built once per table by the control plane; lookups are a binary
/// search over a flat array, without allocation.
public struct HashRing: Sendable {
    /// Sorted.
    public let points: [UInt64]
    /// The member (index into the identities the ring was built from) of each point.
    public let owners: [Int32]
    public let memberCount: Int
    /// `starts[b]` is the first point whose top `64 - shift` bits are at least `b`: a key's
    /// bucket holds about one point, so a lookup is a table read and a step or two.
    public let starts: [UInt32]
    public let shift: UInt64

    /// 160 points per member keep the largest member's share within about 10 % of the mean
    /// for tens of members (resty.chash uses the same).
    public static let pointsPerMember = 160

    public init(identities: [String]) {
        var placed: [(point: UInt64, owner: Int32)] = []
        placed.reserveCapacity(identities.count * Self.pointsPerMember)
        for (member, identity) in identities.enumerated() {
            for replica in 0..<Self.pointsPerMember {
                var hasher = KeyHasher()
                hasher.add(identity.utf8)
                hasher.add(UInt8(ascii: "#"))
                hasher.add(UInt32(replica))
                placed.append((hasher.finish(), Int32(member)))
            }
        }
        placed.sort { ($0.point, $0.owner) < ($1.point, $1.owner) }
        points = placed.map(\.point)
        owners = placed.map(\.owner)
        memberCount = identities.count
        var bits: UInt64 = 1
        while bits < 16 && (1 << bits) < placed.count { bits += 1 }
        shift = 64 - bits
        var starts = [UInt32](repeating: 0, count: (1 << Int(bits)) + 1)
        var index = 0
        for bucket in 0..<starts.count {
            while index < placed.count && Int(placed[index].point >> shift) < bucket { index += 1 }
            starts[bucket] = UInt32(index)
        }
        self.starts = starts
    }

    /// The index of the first point at or after `hash`, wrapping to the first point; nil
    /// for an empty ring.
    @inlinable
    public func position(of hash: UInt64) -> Int? {
        guard !points.isEmpty else { return nil }
        let bucket = Int(truncatingIfNeeded: hash >> shift)
        var index = Int(starts[bucket])
        let end = Int(starts[bucket &+ 1])
        while index < end && points[index] < hash { index &+= 1 }
        return index == points.count ? 0 : index
    }

    /// The member owning `hash`; nil for an empty ring.
    public func owner(of hash: UInt64) -> Int? {
        position(of: hash).map { Int(owners[$0]) }
    }

    /// Walks the ring from the point at `position` and returns the first member `accept`
    /// takes: the member that inherits a key when the ones before it are unavailable.
    /// `accept` may be asked about a member more than once; at most once per point.
    public func firstOwner(from position: Int, where accept: (Int) -> Bool) -> Int? {
        guard !owners.isEmpty else { return nil }
        var previous: Int32 = -1
        var index = position
        for _ in 0..<owners.count {
            let owner = owners[index]
            if owner != previous {
                if accept(Int(owner)) { return Int(owner) }
                previous = owner
            }
            index += 1
            if index == owners.count { index = 0 }
        }
        return nil
    }
}
