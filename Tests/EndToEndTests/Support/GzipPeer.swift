import Foundation

/// Python 3 clients (stdlib only) that ask for gzip and decompress what they get: `fetch` runs
/// requests one after another on one keep-alive connection (http.client) and checks each gzip body
/// with both `gzip.decompress` and a streaming `zlib.decompressobj`; `stream` reads one response off
/// a raw socket at a chosen pace, decompressing chunk by chunk as it arrives.
enum GzipPeer {
    /// What `fetch` saw for one request.
    struct Fetched: Sendable {
        var path: String
        var status: Int
        var headers: [String: String]
        /// Bytes on the wire (after chunked framing), and the decoded body's length and sha256.
        var rawLength: Int
        var length: Int
        var sha256: String
        /// For gzip bodies: both decompressors agreed and the gzip stream ended properly.
        var decodersAgree: Bool
        /// The client's local port: equal ports mean one connection.
        var localPort: Int

        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    static let fetchScript = #"""
import gzip, hashlib, http.client, json, sys, zlib
port = int(sys.argv[1])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
out = []
for spec in sys.argv[2:]:
    method, path = spec.split(" ", 1)
    headers = {"Accept-Encoding": "gzip"}
    if "|" in path:
        path, extra = path.split("|", 1)
        for item in extra.split("|"):
            name, value = item.split(":", 1)
            headers[name] = value.strip()
    conn.request(method, path, headers=headers)
    r = conn.getresponse()
    raw = r.read()
    local = conn.sock.getsockname()[1] if conn.sock else 0
    body, agree = raw, True
    if (r.getheader("Content-Encoding") or "").lower() == "gzip":
        body = gzip.decompress(raw)
        d = zlib.decompressobj(wbits=31)
        parts = [d.decompress(raw[i:i + 4096]) for i in range(0, len(raw), 4096)]
        parts.append(d.flush())
        agree = d.eof and b"".join(parts) == body and not d.unused_data
    out.append({"path": path, "status": r.status, "headers": {k.lower(): v for k, v in r.getheaders()},
                "raw": len(raw), "len": len(body), "sha": hashlib.sha256(body).hexdigest(),
                "agree": agree, "port": local})
print(json.dumps(out))
"""#

    /// Runs `specs` (`"GET /path"`, optionally `|Name: value` request headers appended) in order on
    /// one connection, each with `Accept-Encoding: gzip` unless a spec overrides it.
    static func fetch(_ s: Scenario, port: Int, _ specs: [String], timeout: Duration = .seconds(120)) async throws -> [Fetched] {
        let script = try s.dir.write("gzfetch.py", fetchScript)
        let id = UUID().uuidString
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", script, String(port)] + specs,
                                     stdoutPath: s.dir.file("gzfetch-\(id).out"), stderrPath: s.dir.file("gzfetch-\(id).err"))
        guard await child.waitForExit(timeout: timeout) == .code(0) else {
            await child.kill()
            throw HarnessError("gzip fetch of \(specs) failed: \(child.stderrTail())")
        }
        guard let list = try JSONSerialization.jsonObject(with: Data(child.stdout.utf8)) as? [[String: Any]] else {
            throw HarnessError("gzip fetch printed no results: \(child.stdout)")
        }
        return list.map { item in
            Fetched(path: item["path"] as? String ?? "", status: item["status"] as? Int ?? 0,
                    headers: item["headers"] as? [String: String] ?? [:], rawLength: item["raw"] as? Int ?? -1,
                    length: item["len"] as? Int ?? -1, sha256: item["sha"] as? String ?? "",
                    decodersAgree: item["agree"] as? Bool ?? false, localPort: item["port"] as? Int ?? 0)
        }
    }

    /// What `stream` saw.
    struct Streamed: Sendable {
        var statusLine: String
        var head: String
        var length: Int
        var sha256: String
        /// Seconds from sending the request until `mark` decompressed bytes had arrived (-1: never).
        var markSeconds: Double
        /// The gzip stream ended and the last chunk arrived.
        var complete: Bool
    }

    static let streamScript = #"""
import hashlib, json, socket, sys, time, zlib
port, path = int(sys.argv[1]), sys.argv[2]
stall, delay, mark = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.connect(("127.0.0.1", port))
start = time.monotonic()
s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: gz.test\r\nAccept-Encoding: gzip\r\n\r\n")
time.sleep(stall)
buf, head = b"", None
d, h, total, mark_at = zlib.decompressobj(wbits=31), hashlib.sha256(), 0, -1.0
left, need_crlf, done = -1, False, False
while not done:
    data = s.recv(65536)
    if not data:
        break
    buf += data
    if head is None:
        i = buf.find(b"\r\n\r\n")
        if i < 0:
            continue
        head, buf = buf[:i].decode("latin-1"), buf[i + 4:]
    while not done:
        if need_crlf:
            if len(buf) < 2:
                break
            buf, need_crlf = buf[2:], False
        if left <= 0:
            j = buf.find(b"\r\n")
            if j < 0:
                break
            left, buf = int(buf[:j].split(b";")[0], 16), buf[j + 2:]
            if left == 0:
                done = True
                break
        piece, buf = buf[:left], buf[left:]
        left -= len(piece)
        out = d.decompress(piece)
        h.update(out)
        total += len(out)
        if mark_at < 0 and total >= mark:
            mark_at = time.monotonic() - start
        if left == 0:
            need_crlf = True
        if not buf:
            break
    if delay > 0:
        time.sleep(delay)
print(json.dumps({"head": head or "", "len": total, "sha": h.hexdigest(), "mark": mark_at, "complete": done and d.eof}))
"""#

    /// GETs `path` with `Accept-Encoding: gzip` on a socket with a 64 KiB receive buffer: reads
    /// nothing for `stall`, then reads 64 KiB at a time with `delay` between reads. Expects a chunked
    /// gzip response.
    static func stream(_ s: Scenario, port: Int, path: String, stall: Double = 0, delay: Double = 0, mark: Int = 1,
                       timeout: Duration = .seconds(120)) async throws -> Streamed {
        let script = try s.dir.write("gzstream.py", streamScript)
        let id = UUID().uuidString
        let child = try ChildProcess(executable: "/usr/bin/env",
                                     arguments: ["python3", script, String(port), path, String(stall), String(delay), String(mark)],
                                     stdoutPath: s.dir.file("gzstream-\(id).out"), stderrPath: s.dir.file("gzstream-\(id).err"))
        guard await child.waitForExit(timeout: timeout) == .code(0) else {
            await child.kill()
            throw HarnessError("gzip stream of \(path) failed: \(child.stderrTail())")
        }
        guard let item = try JSONSerialization.jsonObject(with: Data(child.stdout.utf8)) as? [String: Any] else {
            throw HarnessError("gzip stream printed no result: \(child.stdout)")
        }
        let head = item["head"] as? String ?? ""
        return Streamed(statusLine: head.components(separatedBy: "\r\n").first ?? "", head: head,
                        length: item["len"] as? Int ?? -1, sha256: item["sha"] as? String ?? "",
                        markSeconds: item["mark"] as? Double ?? -1, complete: item["complete"] as? Bool ?? false)
    }
}
