import ApusKubernetes
import Testing

/// Leader election decisions with a manual clock: acquire when absent, released or expired
/// (on our own clock), renew while leading, follow a live holder, step down at the renew
/// deadline, release on stop.
@Suite struct LeaderElectionStateMachineTests {
    static let t = "2026-11-28T07:00:00.000000Z"

    static func held(by holder: String, renew: String = "r1", version: String = "5", duration: Int = 15, transitions: Int = 0) -> LeaseRecord {
        LeaseRecord(holderIdentity: holder, leaseDurationSeconds: duration, acquireTime: "a", renewTime: renew,
                    leaseTransitions: transitions, resourceVersion: version)
    }

    /// An absent Lease is created with us as holder; once stored we lead, and the next round renews.
    @Test func acquireAbsentThenRenew() {
        var machine = LeaderElectionStateMachine(identity: "pod-a")
        machine.observe(nil, now: 1000)
        guard case .create(let record) = machine.decide(now: 1000, wallTime: Self.t) else { Issue.record("not a create"); return }
        #expect(record == LeaseRecord(holderIdentity: "pod-a", leaseDurationSeconds: 15, acquireTime: Self.t, renewTime: Self.t, leaseTransitions: 0))
        #expect(!machine.isLeader, "leading starts only when the write succeeded")
        var stored = record
        stored.resourceVersion = "7"
        machine.written(stored, now: 1010)
        #expect(machine.isLeader)

        machine.observe(stored, now: 3000)
        let renew = machine.decide(now: 3000, wallTime: "2026-11-28T07:00:02.000000Z")
        var expected = stored
        expected.renewTime = "2026-11-28T07:00:02.000000Z"
        #expect(renew == .update(expected), "renewal keeps acquireTime, transitions and sends resourceVersion 7")
    }

    /// Another holder's Lease is followed while it keeps changing; unchanged for the lease
    /// duration (measured from when WE first saw it) it is taken over, with transitions + 1.
    @Test func followThenTakeOverExpired() {
        var machine = LeaderElectionStateMachine(identity: "pod-b")
        // Whatever renewTime says (even far in the past), a fresh observer waits a full lease.
        machine.observe(Self.held(by: "pod-a", renew: "2001-01-01T00:00:00.000000Z"), now: 100_000)
        do {
            let result = machine.decide(now: 100_000, wallTime: Self.t)
            #expect(result == .follow(holder: "pod-a"))
        }
        machine.observe(Self.held(by: "pod-a", renew: "2001-01-01T00:00:00.000000Z"), now: 114_999)
        do {
            let result = machine.decide(now: 114_999, wallTime: Self.t)
            #expect(result == .follow(holder: "pod-a"))
        }
        // The holder renewed: the clock starts again.
        machine.observe(Self.held(by: "pod-a", renew: "r2", version: "6"), now: 114_999)
        machine.observe(Self.held(by: "pod-a", renew: "r2", version: "6"), now: 129_000)
        do {
            let result = machine.decide(now: 129_000, wallTime: Self.t)
            #expect(result == .follow(holder: "pod-a"))
        }
        machine.observe(Self.held(by: "pod-a", renew: "r2", version: "6", transitions: 3), now: 130_000)
        do {
            let result = machine.decide(now: 130_000, wallTime: Self.t)
            #expect(result == .update(LeaseRecord(
                holderIdentity: "pod-b", leaseDurationSeconds: 15, acquireTime: Self.t, renewTime: Self.t, leaseTransitions: 4, resourceVersion: "6")))
        }
    }

    /// A released Lease (no holder) is taken at once; a 409 makes the machine read again
    /// before deciding (it never writes twice on the same stale version).
    @Test func releasedLeaseAndConflict() {
        var machine = LeaderElectionStateMachine(identity: "pod-b")
        machine.observe(LeaseRecord(holderIdentity: nil, leaseDurationSeconds: 1, renewTime: "r", leaseTransitions: 2, resourceVersion: "9"), now: 50)
        guard case .update(let record) = machine.decide(now: 50, wallTime: Self.t) else { Issue.record("not an update"); return }
        #expect(record.holderIdentity == "pod-b" && record.resourceVersion == "9" && record.leaseTransitions == 3)
        machine.conflicted()
        #expect(!machine.isLeader)
        // The next round reads pod-c's fresh Lease: follow it.
        machine.observe(Self.held(by: "pod-c", version: "10"), now: 2050)
        do {
            let result = machine.decide(now: 2050, wallTime: Self.t)
            #expect(result == .follow(holder: "pod-c"))
        }
    }

    /// A leader whose renewals fail steps down at the renew deadline (10 s), before its 15 s
    /// lease can expire for the others; failures before that keep it leading.
    @Test func stepDownAtRenewDeadline() {
        var machine = LeaderElectionStateMachine(identity: "pod-a")
        machine.written(Self.held(by: "pod-a"), now: 1000)
        #expect(machine.isLeader)
        do {
            let result = machine.failed(now: 5000)
            #expect(!result)
        }
        #expect(machine.isLeader)
        do {
            let result = machine.failed(now: 11_000)
            #expect(result)
        }
        #expect(!machine.isLeader)
        do {
            let result = machine.failed(now: 12_000)
            #expect(!result, "a follower has nothing to lose")
        }
    }

    /// Seeing another holder in the Lease ends leadership at once (someone took it over).
    @Test func anotherHolderEndsLeadership() {
        var machine = LeaderElectionStateMachine(identity: "pod-a")
        machine.written(Self.held(by: "pod-a"), now: 1000)
        machine.observe(Self.held(by: "pod-z", renew: "rz", version: "8"), now: 3000)
        #expect(!machine.isLeader)
        do {
            let result = machine.decide(now: 3000, wallTime: Self.t)
            #expect(result == .follow(holder: "pod-z"))
        }
    }

    /// Release hands over: no holder, 1 s duration, same resourceVersion; a follower has nothing to release.
    @Test func release() {
        var follower = LeaderElectionStateMachine(identity: "pod-b")
        follower.observe(Self.held(by: "pod-a"), now: 0)
        do {
            let result = follower.release(wallTime: Self.t)
            #expect(result == nil)
        }

        var leader = LeaderElectionStateMachine(identity: "pod-a")
        leader.written(Self.held(by: "pod-a", version: "12", transitions: 1), now: 1000)
        let released = leader.release(wallTime: Self.t)
        #expect(released == LeaseRecord(holderIdentity: nil, leaseDurationSeconds: 1, acquireTime: "a", renewTime: Self.t, leaseTransitions: 1, resourceVersion: "12"))
        #expect(!leader.isLeader)
    }

    /// The Lease bodies the API gets (the object to create, the merge patch of every later
    /// write), and a Lease read back from the API's JSON.
    @Test func leaseJSON() throws {
        let record = LeaseRecord(holderIdentity: "pod \"a\"", leaseDurationSeconds: 15, acquireTime: Self.t, renewTime: Self.t, leaseTransitions: 2, resourceVersion: "42")
        let spec = #""spec":{"holderIdentity":"pod \"a\"","leaseDurationSeconds":15,"acquireTime":"2026-11-28T07:00:00.000000Z","renewTime":"2026-11-28T07:00:00.000000Z","leaseTransitions":2}"#
        let patch = String(decoding: record.mergePatch(), as: UTF8.self)
        #expect(patch == #"{"metadata":{"resourceVersion":"42"},"# + spec + "}")
        let created = String(decoding: record.object(namespace: "apus-system", name: "apus-leader"), as: UTF8.self)
        #expect(created == #"{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"apus-leader","namespace":"apus-system"},"# + spec + "}")
        let tree = try ObjectTree.parseJSON(Array(patch.utf8))
        #expect(LeaseRecord(tree) == record)
        // Released: the holder removed (null in a merge patch), no precondition when none was read.
        let released = LeaseRecord(holderIdentity: nil, leaseDurationSeconds: 1)
        #expect(String(decoding: released.mergePatch(), as: UTF8.self) == #"{"spec":{"holderIdentity":null,"leaseDurationSeconds":1,"leaseTransitions":0}}"#)
    }

    /// Numbers beyond the API's int32 fields (only a misbehaving server sends them) are
    /// clamped: the expiry and the next transition count are computed without overflow.
    @Test func outOfRangeLeaseNumbersAreClamped() throws {
        let body = #"{"metadata":{"resourceVersion":"3"},"spec":{"holderIdentity":"pod-a","leaseDurationSeconds":9223372036854775807,"leaseTransitions":9223372036854775807}}"#
        let record = LeaseRecord(try ObjectTree.parseJSON(Array(body.utf8)))
        #expect(record.leaseDurationSeconds == Int(Int32.max))
        #expect(record.leaseTransitions == Int(Int32.max))
        let negative = LeaseRecord(try ObjectTree.parseJSON(Array(#"{"spec":{"leaseDurationSeconds":-5,"leaseTransitions":-1}}"#.utf8)))
        #expect(negative.leaseDurationSeconds == 0 && negative.leaseTransitions == 0)

        var machine = LeaderElectionStateMachine(identity: "pod-b")
        var released = record
        released.holderIdentity = nil
        machine.observe(released, now: 1000)
        guard case .update(let taken) = machine.decide(now: 1000, wallTime: Self.t) else { Issue.record("not an update"); return }
        #expect(taken.leaseTransitions == Int(Int32.max))
    }
}
