import Foundation
import Testing

/// The control thread reads files a user (or an attacker with write access to one path) can
/// make hostile (issue 17 point 6): a FIFO in place of a certificate, YAML whose aliases or
/// merge keys expand without bound. None may freeze it or eat the machine's memory, and a
/// SIGTERM stops the process whatever the control thread is doing.
@Suite struct ConfigThreadTests {
    /// A certificate path replaced by a FIFO: the reload is refused at once ("not a regular
    /// file"), the previous certificate keeps serving, and SIGTERM still stops apus (before:
    /// stuck in open() for good, SIGHUP and SIGTERM ignored).
    @Test(.timeLimit(.endToEnd(3))) func fifoInPlaceOfACertificateIsRefused() async throws {
        try await withScenario { s in
            let (apus, port, _) = try await TLSTerminationTests.startWithLiveCertificate(s, workers: 1)
            try FileManager.default.removeItem(atPath: s.dir.file("live.crt"))
            #expect(mkfifo(s.dir.file("live.crt"), 0o644) == 0)
            apus.send(SIGHUP)
            let refused = await eventually(timeout: .seconds(5)) { apus.stderr.contains("not a regular file (a FIFO)") }
            #expect(refused, "stderr:\n\(apus.stderrTail())")
            let served = try await s.curl(["-k", "https://127.0.0.1:\(port)/echo"])
            #expect(served.status == 200, "the previous certificate keeps serving: \(served)")
            let start = ContinuousClock.now
            let exit = await apus.terminate(timeout: .seconds(10))
            #expect(exit == .code(0) && ContinuousClock.now - start < .seconds(5), "\(String(describing: exit)) after \(ContinuousClock.now - start)")
        }
    }

    /// Merge keys nested 23 deep (under 1 KB, about 8 million nodes once expanded): the reload
    /// is refused within seconds, and a good file written afterwards is applied at once
    /// (before: 22.5 s of the control thread, the good file applied late).
    @Test(.timeLimit(.endToEnd(3))) func mergeKeyBombIsRefusedQuickly() async throws {
        try await withScenario { s in
            let backend = try await s.backend("b")
            let port = try s.port()
            let good = ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint])
            let apus = try await s.apus(good, waitFor: [port])
            var bomb = "m0: &m0 {k0: 1}\n"
            for depth in 1...23 { bomb += "m\(depth): &m\(depth) {<<: [*m\(depth - 1), *m\(depth - 1)], k\(depth): 1}\n" }
            bomb += good.replacingOccurrences(of: "upstreams:\n  app: {", with: "upstreams:\n  app: { <<: *m23,")
            #expect(bomb.utf8.count < 1500)
            let start = ContinuousClock.now
            try apus.rewriteConfig(bomb)
            let refused = await eventually(timeout: .seconds(10)) { apus.stderr.contains("once its aliases and merge keys are followed") }
            #expect(refused, "stderr:\n\(apus.stderrTail())")
            #expect(ContinuousClock.now - start < .seconds(8), "refused after \(ContinuousClock.now - start)")
            let published = { apus.stderr.split(separator: "\n").filter { $0.contains("route table published") }.count }
            let before = published()
            try apus.rewriteConfig(good.replacingOccurrences(of: "upstreams:\n  app: {", with: "upstreams:\n  app: { read_timeout: 7s,"))
            let applied = await eventually(timeout: .seconds(5)) { published() > before }
            #expect(applied, "the good file is applied at once; stderr:\n\(apus.stderrTail())")
            #expect(try await HTTPClient.request(port: port, path: "/echo").status == 200)
        }
    }

    /// `apus validate` on an alias bomb of under 500 bytes (a billion nodes expanded) says so
    /// and exits 1, within 2 GB of address space (before: past 6 GB).
    @Test(.timeLimit(.endToEnd(3))) func validateRefusesAnAliasBomb() async throws {
        try await withScenario { s in
            var bomb = #"a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"# + "\n"
            for level in 1..<10 { bomb += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ",") + "]\n" }
            bomb += "listeners: *a9\n"
            let path = try s.dir.write("bomb.yaml", bomb)
            // A sanitizer reserves terabytes of address space for its shadow memory: no limit then.
            let limit = ApusBinary.sanitizer == nil ? ["/usr/bin/prlimit", "--as=2000000000"] : []
            let command = limit + [try ApusBinary.path(), "validate", path]
            let child = try ChildProcess(executable: command[0], arguments: Array(command.dropFirst()),
                                         stdoutPath: s.dir.file("validate.out"), stderrPath: s.dir.file("validate.err"))
            let exit = await child.waitForExit(timeout: .seconds(30))
            let output = child.stdout + child.stderr
            #expect(exit == .code(1), "\(String(describing: exit)): \(output.suffix(500))")
            #expect(output.contains("bomb.yaml:1:1: error: the file stands for more than 1000000 YAML nodes"), "\(output.suffix(500))")
        }
    }

    /// A reload that keeps the control thread busy (resolving an upstream name against a DNS
    /// server that never answers) cannot hold up a SIGTERM: after the grace period the signal
    /// thread drains and exits.
    @Test(.timeLimit(.endToEnd(3))) func sigtermWhileTheControlThreadIsBusy() async throws {
        try await withScenario { s in
            let net = try await s.networkNamespace()
            // `ip netns exec` gives the namespace its own /etc/resolv.conf from /etc/netns/NAME.
            let resolver = "/etc/netns/\(net.name)"
            try FileManager.default.createDirectory(atPath: resolver, withIntermediateDirectories: true)
            s.afterTearDown { try? FileManager.default.removeItem(atPath: resolver) }
            try "nameserver 127.0.0.1\noptions timeout:5 attempts:3\n".write(toFile: resolver + "/resolv.conf", atomically: true, encoding: .utf8)
            let silentDNS = "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('127.0.0.1',53))\nprint('ready',flush=True)\nwhile True: s.recvfrom(512)\n"
            let dns = try ChildProcess(executable: net.exec[0], arguments: Array(net.exec.dropFirst()) + ["/usr/bin/env", "python3", "-c", silentDNS],
                                       stdoutPath: s.dir.file("dns.out"), stderrPath: s.dir.file("dns.err"))
            s.track(dns)
            #expect(await eventually(timeout: .seconds(5)) { dns.stdout.contains("ready") })
            let config = try s.dir.write("apus.yaml", ApusConfig.proxyAll(listen: 8080, endpoints: ["127.0.0.1:9"]))
            let apus = try ChildProcess(executable: net.exec[0], arguments: Array(net.exec.dropFirst()) + [try ApusBinary.path(), "serve", "--config", config],
                                        stdoutPath: s.dir.file("apus.out"), stderrPath: s.dir.file("apus.err"))
            s.track(apus)
            #expect(await eventually(timeout: .seconds(10)) { apus.stderr.contains("msg=serving") || !apus.isRunning }, "stderr:\n\(apus.stderrTail())")
            try ApusConfig.proxyAll(listen: 8080, endpoints: ["slow-to-resolve.example.test:80"])
                .write(toFile: config, atomically: true, encoding: .utf8)
            apus.send(SIGHUP)
            try await Task.sleep(for: .milliseconds(500))
            let start = ContinuousClock.now
            apus.send(SIGTERM)
            let exit = await apus.waitForExit(timeout: .seconds(12))
            let elapsed = ContinuousClock.now - start
            #expect(exit == .code(0), "\(String(describing: exit)); stderr:\n\(apus.stderrTail())")
            #expect(elapsed < .seconds(9), "stopped after \(elapsed); the resolver alone takes 15 s")
            #expect(apus.stderr.contains("SIGTERM not taken by the control thread within the grace period"), "stderr:\n\(apus.stderrTail())")
        }
    }
}
