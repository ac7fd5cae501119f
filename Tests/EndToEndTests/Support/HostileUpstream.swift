import Foundation

/// An upstream that misbehaves on purpose (Python sockets, one thread per connection), for
/// the faults a well-behaved backend never shows. It prints one line per event on stdout,
/// which the test reads back (`events`):
///   `ACCEPT <n>`, `REQUEST <n> <method> <target>`, `CLOSED <n>` (n numbers connections).
///
/// Modes:
/// - `interim-flood`: reads a request head, then writes `100 Continue` heads until the socket fails.
/// - `slow-status`: reads a request head, then writes a status line one byte a second.
/// - `hold`: reads request heads and never answers (until the peer closes).
/// - `close-reused`: answers a connection's first request (keep-alive); reads its second
///   and closes without answering, as an upstream whose idle timeout just fired.
/// - `reset`: reads a request head and resets the connection (RST).
/// - `cut-body`: answers 200 with `Content-Length: 1000`, sends 100 bytes of it and closes.
/// - `ok`: answers every request 200 with `X-Backend: <name>` (keep-alive).
final class HostileUpstream: Sendable {
    let port: Int
    let child: ChildProcess

    private init(port: Int, child: ChildProcess) {
        self.port = port
        self.child = child
    }

    var endpoint: String { "127.0.0.1:\(port)" }

    /// `port` 0 lets the kernel choose. The listener sets SO_REUSEPORT, as apus's own do, so
    /// that it can stand for another apus on the same address.
    static func start(mode: String, name: String = "hostile", port: Int = 0, in dir: TempDirectory) async throws -> HostileUpstream {
        let script = dir.file("hostile_upstream.py")
        if !FileManager.default.fileExists(atPath: script) { try dir.write("hostile_upstream.py", source) }
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-u", script, mode, name, String(port)],
                                     stdoutPath: dir.file("hostile-\(name).out"), stderrPath: dir.file("hostile-\(name).err"))
        guard let chosen = await child.announcedPort() else {
            await child.kill()
            throw HarnessError("hostile upstream (\(mode)) did not start: \(child.stderrTail())")
        }
        return HostileUpstream(port: chosen, child: child)
    }

    /// Event lines so far (without the PORT line).
    var events: [Substring] { child.stdout.split(separator: "\n").dropFirst().map { $0 } }
    var accepted: Int { events.filter { $0.hasPrefix("ACCEPT ") }.count }
    var closed: Int { events.filter { $0.hasPrefix("CLOSED ") }.count }
    /// `METHOD target` of every request read.
    var requests: [String] { events.filter { $0.hasPrefix("REQUEST ") }.map { $0.split(separator: " ").dropFirst(2).joined(separator: " ") } }

    static let source = #"""
import socket, sys, threading, time

MODE, NAME, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
lock = threading.Lock()
counter = [0]

def say(line):
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

def read_head(conn, buf):
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None, buf
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest

def serve(conn, n):
    buf = b""
    count = 0
    try:
        while True:
            head, buf = read_head(conn, buf)
            if head is None:
                return
            count += 1
            line = head.split("\r\n", 1)[0]
            method, target = (line.split(" ") + ["", ""])[:2]
            say(f"REQUEST {n} {method} {target}")
            if MODE == "interim-flood":
                while True:
                    conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            elif MODE == "slow-status":
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
                    conn.sendall(bytes([byte]))
                    time.sleep(1)
            elif MODE == "hold":
                continue
            elif MODE == "close-reused":
                if count >= 2:
                    return
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Backend: " + NAME.encode() + b"\r\n\r\nok")
            elif MODE == "cut-body":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100)
                return
            elif MODE == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                return
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Backend: " + NAME.encode() + b"\r\n\r\nok")
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass
        say(f"CLOSED {n}")

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(512)
say(f"PORT {listener.getsockname()[1]}")
while True:
    conn, _ = listener.accept()
    with lock:
        counter[0] += 1
        n = counter[0]
    say(f"ACCEPT {n}")
    threading.Thread(target=serve, args=(conn, n), daemon=True).start()
"""#
}

extension Scenario {
    func hostileUpstream(_ mode: String, name: String = "hostile") async throws -> HostileUpstream {
        let upstream = try await HostileUpstream.start(mode: mode, name: name, in: dir)
        track(upstream.child)
        return upstream
    }
}
