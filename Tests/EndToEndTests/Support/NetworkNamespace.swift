import Foundation
import Synchronization

/// A network namespace of the test's own, joined to this one by a veth pair: the host side
/// is `10.213.X.Y`, the namespace side the next address (`address`). Backends started inside
/// it have a non-loopback address that a real kube-apiserver accepts in an EndpointSlice
/// (it refuses 127.0.0.0/8, as a cluster does), and apus reaches them over the pair.
/// Needs root (`ip netns`); everything is removed again by `remove()`.
final class NetworkNamespace: Sendable {
    let name: String
    /// The namespace side of the pair: where backends listen.
    let address: String
    let hostAddress: String

    private static let nextSubnet = Mutex<Int>(Int(getpid() % 4096) * 4)

    private init(name: String, address: String, hostAddress: String) {
        self.name = name
        self.address = address
        self.hostAddress = hostAddress
    }

    /// One /30 of 10.213.0.0/16 per namespace, so parallel tests never share an address.
    static func create(in dir: TempDirectory) async throws -> NetworkNamespace {
        let subnet = nextSubnet.withLock { value in
            defer { value = (value + 1) % 16384 }
            return value
        }
        let base = subnet * 4
        let (third, fourth) = (base / 256, base % 256)
        let name = "apus-e2e-\(subnet)"
        let hostSide = "apv\(subnet)h"
        let inside = "apv\(subnet)n"
        let hostAddress = "10.213.\(third).\(fourth + 1)"
        let address = "10.213.\(third).\(fourth + 2)"
        // A leftover of a killed run under the same name goes first.
        _ = try? await Tool.run("/usr/sbin/ip", ["netns", "del", name], in: dir)
        _ = try? await Tool.run("/usr/sbin/ip", ["link", "del", hostSide], in: dir)
        let steps: [[String]] = [
            ["netns", "add", name],
            ["link", "add", hostSide, "type", "veth", "peer", "name", inside],
            ["link", "set", inside, "netns", name],
            ["addr", "add", "\(hostAddress)/30", "dev", hostSide],
            ["link", "set", hostSide, "up"],
            ["-n", name, "addr", "add", "\(address)/30", "dev", inside],
            ["-n", name, "link", "set", inside, "up"],
            ["-n", name, "link", "set", "lo", "up"],
        ]
        let namespace = NetworkNamespace(name: name, address: address, hostAddress: hostAddress)
        for step in steps {
            let output = try await Tool.run("/usr/sbin/ip", step, in: dir)
            guard output.succeeded else {
                await namespace.remove(dir)
                throw HarnessError("ip \(step.joined(separator: " ")) failed (the real-API tests need root and iproute2): \(output.stderr)")
            }
        }
        return namespace
    }

    /// The command prefix that runs a program inside the namespace.
    var exec: [String] { ["/usr/sbin/ip", "netns", "exec", name] }

    /// Deleting the namespace destroys its end of the pair, and with it the host's end.
    func remove(_ dir: TempDirectory) async {
        _ = try? await Tool.run("/usr/sbin/ip", ["netns", "del", name], in: dir)
    }
}

extension Scenario {
    /// A network namespace removed when the test ends (after its processes are killed).
    func networkNamespace() async throws -> NetworkNamespace {
        let namespace = try await NetworkNamespace.create(in: dir)
        afterTearDown { [dir] in await namespace.remove(dir) }
        return namespace
    }

    /// A Python backend listening on the namespace's address.
    func backend(_ name: String, in namespace: NetworkNamespace) async throws -> PythonBackend {
        let backend = try await PythonBackend.start(name: name, host: namespace.address, launcher: namespace.exec, in: dir)
        track(backend.child)
        return backend
    }
}
