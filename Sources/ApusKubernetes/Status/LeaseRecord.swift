import ApusCore
import ApusHTTP

/// The fields of a `coordination.k8s.io/v1` Lease that leader election reads and writes.
public struct LeaseRecord: Equatable, Sendable {
    /// Nil or empty: nobody holds the Lease (released).
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int
    /// RFC 3339 with microseconds (`MicroTime`), as the API stores them.
    public var acquireTime: String?
    public var renewTime: String?
    public var leaseTransitions: Int
    /// The object's version when read; sent back on update for optimistic concurrency.
    public var resourceVersion: String?

    public init(holderIdentity: String?, leaseDurationSeconds: Int, acquireTime: String? = nil, renewTime: String? = nil,
                leaseTransitions: Int = 0, resourceVersion: String? = nil) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
        self.resourceVersion = resourceVersion
    }

    private static func clampedToInt32(_ value: Int) -> Int {
        min(max(value, 0), Int(Int32.max))
    }

    var isHeld: Bool { !(holderIdentity ?? "").isEmpty }

    /// Reads a Lease object as the API returns it.
    public init(_ tree: ObjectTree) {
        let spec = tree["spec"]
        holderIdentity = spec?["holderIdentity"]?.text
        // Both are int32 in the API; clamped so a Lease from a misbehaving server cannot
        // overflow the expiry or the transition count computed from them.
        leaseDurationSeconds = spec?["leaseDurationSeconds"]?.text.flatMap { Int($0) }.map(Self.clampedToInt32) ?? 0
        acquireTime = spec?["acquireTime"]?.text
        renewTime = spec?["renewTime"]?.text
        leaseTransitions = spec?["leaseTransitions"]?.text.flatMap { Int($0) }.map(Self.clampedToInt32) ?? 0
        resourceVersion = tree["metadata"]?["resourceVersion"]?.text
    }

    /// The Lease object to create (`POST`): `name` in `namespace`, this record as its spec.
    public func object(namespace: String, name: String) -> [UInt8] {
        let metadata = "\"name\":\(JSONWriter.quoted(name)),\"namespace\":\(JSONWriter.quoted(namespace))"
        return Array("{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\(metadata)},\"spec\":{\(specFields)}}".utf8)
    }

    /// The JSON merge patch (`PATCH`, `application/merge-patch+json`) that renews, takes
    /// over or releases the Lease: the spec fields election owns, and the resourceVersion
    /// read, which the API server checks (409 when another candidate wrote first). A PUT
    /// would store the `metadata` it is sent and so erase the Lease's labels and
    /// annotations; a patch leaves them, and spec fields we do not know, alone.
    public func mergePatch() -> [UInt8] {
        let metadata = resourceVersion.map { "\"metadata\":{\"resourceVersion\":\(JSONWriter.quoted($0))}," } ?? ""
        return Array("{\(metadata)\"spec\":{\(specFields)}}".utf8)
    }

    /// A missing holder is written as null, which a merge patch reads as "remove".
    private var specFields: String {
        var spec = "\"holderIdentity\":\(holderIdentity.map(JSONWriter.quoted) ?? "null"),\"leaseDurationSeconds\":\(leaseDurationSeconds)"
        if let acquireTime { spec += ",\"acquireTime\":\(JSONWriter.quoted(acquireTime))" }
        if let renewTime { spec += ",\"renewTime\":\(JSONWriter.quoted(renewTime))" }
        spec += ",\"leaseTransitions\":\(leaseTransitions)"
        return spec
    }
}

/// `MicroTime` text (`2026-11-28T07:16:05.484313Z`) from microseconds since the epoch.
enum MicroTime {
    static func format(microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000
        let fraction = microseconds % 1_000_000
        let secondOfDay = seconds % 86_400
        let (year, month, day) = CivilCalendar.date(daysSinceEpoch: Int(seconds / 86_400))
        func pad(_ value: some BinaryInteger, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(fraction, 6))Z"
    }
}
