/// The Python 3 (stdlib only) HTTP/1.1 upstream that `PythonBackend` writes to a temp dir and runs.
///
/// It binds the port it is given (0 = any) on 127.0.0.1 or the address in its third argument, prints `PORT <n>` on stdout once listening, and
/// answers every method. Endpoints:
/// - `/echo`: JSON `{backend, method, path, version, headers: [[name, value]], body_length, body_sha256}`
/// - `/status/N`: status N with a short body
/// - `/delay/MS`: waits MS milliseconds, then 200 "slept"
/// - `/delay-on/NAME/MS`: the same on the backend called NAME; any other answers at once
/// - `/bytes/N`: N bytes with Content-Length, streamed in 64 KiB pieces (content from `pattern_chunks`)
/// - `/bytes-sha/N`: the hex sha256 of what `/bytes/N` sends
/// - `/chunked/N`: the same N bytes, chunked
/// - `/close-mid`: announces 100000 bytes, sends 1000, closes
/// - `/slow-stream/MS`: chunked "first\n", then MS ms later "second\n"
/// - `/sink-after/MS`: waits MS ms before reading the request body, then answers like /echo
/// - `/upgrade`: 101 Switching Protocols, then echoes every byte back upper-cased until EOF
/// - `/upgrade-drain`: 101, reads until EOF, then sends `RECEIVED <n> BYTES: <bytes upper-cased>` and closes
/// - `/upgrade-fin-first`: 101, sends `upstream done\n` and half-closes, reads until EOF, then prints
///   `TUNNEL-RECEIVED <bytes>` on stdout and closes
/// - `/upgrade-flood/N`: 101, then N bytes of the `/bytes/N` pattern as fast as the socket takes them
///   (`flood_sent` in `/__stats` says how many went so far)
/// - `/upgrade-sink/MS`: 101, reads nothing for MS ms, then counts bytes until EOF and answers `SUNK <n>\n`
/// - `/trickle-head`: a response written one byte at a time
/// - `/eof-body`: a 300000-byte body delimited only by closing the connection
/// - `/early-hints`: 103 Early Hints, then 200
/// - `/trailers`: a chunked body ("hello world") with a trailer field
/// - `/hop-response`: a 200 carrying hop-by-hop headers (Connection: X-Upstream-Hop, Keep-Alive, ...)
/// - `/many-cookies`: 50 Set-Cookie headers
/// - `/bad-framing`: a response with both Content-Length and chunked Transfer-Encoding
/// - `/huge-head`: a response head of 200 KB
/// - `/garbage`: a response that is not HTTP, then closes
/// - `/reset`: reads the request, then resets the connection (SO_LINGER 0)
/// - `/idle-close/MS`: 200, then the backend closes the connection after MS ms idle
/// - `/close-after`: 200 with `Connection: close`, then closes
/// - `/cached`: ETag "v1"; 304 when If-None-Match matches
/// - `/gz?n=N&kind=pattern|noise&type=T&frame=length|chunked|close&status=S&pause=MS&h=Name:Value...`:
///   N body bytes (`pattern` as `/bytes/N`, or `noise`: a fixed 1 MiB pseudo-random block over and over,
///   which deflate can't shrink) with Content-Type T (`none`: no Content-Type), framed by Content-Length,
///   chunks or closing; `pause` waits MS ms after the first half; each `h` adds a header. No body for
///   HEAD, 1xx, 204, 304.
/// - `/gz-sha?n=N&kind=K`: the hex sha256 of that body
/// - `/__stats`: `{connections, open, requests, paths}` (accepted, still open, requests, paths except /__stats)
/// Run as `backend.py --generate N SHAFILE` it writes the `/bytes/N` pattern to stdout instead.
/// Every response carries `X-Backend: <name>`.
enum BackendScript {
    /// The first `count` bytes `/bytes/N` and `/chunked/N` send (same rule as `pattern_chunks`), for small checks in Swift.
    static func pattern(_ count: Int) -> [UInt8] {
        let block = (0..<65536).map { UInt8(($0 * 7 + 13) % 251) }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var k = 0
        while out.count < count {
            let rotation = k % 65536
            let chunk = Array(block[rotation...] + block[..<rotation])
            out += chunk.prefix(count - out.count)
            k += 1
        }
        return out
    }

    static let source = #"""
import hashlib, json, random, socket, socketserver, struct, sys, threading, time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

BLOCK = bytes((i * 7 + 13) % 251 for i in range(65536))
lock = threading.Lock()
stats = {"connections": 0, "open": 0, "requests": 0, "paths": []}

def pattern_chunks(n):
    k = 0
    sent = 0
    while sent < n:
        r = k % 65536
        chunk = BLOCK[r:] + BLOCK[:r]
        take = min(len(chunk), n - sent)
        yield chunk[:take]
        sent += take
        k += 1

NOISE = random.Random(7).randbytes(1 << 20)

def noise_chunks(n):
    sent = 0
    while sent < n:
        offset = sent % len(NOISE)
        take = min(65536, n - sent, len(NOISE) - offset)
        yield NOISE[offset:offset + take]
        sent += take

def gz_body(kind, n):
    return noise_chunks(n) if kind == "noise" else pattern_chunks(n)

if sys.argv[1] == "--generate":
    # Generator mode: the /bytes/N pattern on stdout, its sha256 written to argv[3].
    h = hashlib.sha256()
    out = sys.stdout.buffer
    for c in pattern_chunks(int(sys.argv[2])):
        h.update(c)
        out.write(c)
    out.flush()
    with open(sys.argv[3], "w") as f:
        f.write(h.hexdigest())
    sys.exit(0)

NAME = sys.argv[1]
PORT = int(sys.argv[2])
HOST = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with lock:
            stats["connections"] += 1
            stats["open"] += 1

    def finish(self):
        try:
            super().finish()
        finally:
            with lock:
                stats["open"] -= 1

    def log_message(self, *args):
        pass

    def read_body(self):
        h = hashlib.sha256()
        total = 0
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                left = size
                while left > 0:
                    data = self.rfile.read(min(left, 1 << 20))
                    if not data:
                        raise ConnectionError("eof in chunk")
                    h.update(data)
                    total += len(data)
                    left -= len(data)
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0") or "0")
            while left > 0:
                data = self.rfile.read(min(left, 1 << 20))
                if not data:
                    raise ConnectionError("eof in body")
                h.update(data)
                total += len(data)
                left -= len(data)
        return total, h.hexdigest()

    def switch_protocols(self):
        self.send_response(101)
        self.send_header("Upgrade", "echo")
        self.send_header("Connection", "Upgrade")
        self.send_header("X-Backend", NAME)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True

    def receive_until_eof(self):
        received = b""
        while True:
            data = self.connection.recv(65536)
            if not data:
                return received
            received += data

    def send_simple(self, status, body, ctype="text/plain", extra=()):
        self.send_response(status)
        self.send_header("X-Backend", NAME)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        if status in (204, 304) or status < 200:
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_gz(self, q):
        n = int(q.get("n", ["0"])[0])
        kind = q.get("kind", ["pattern"])[0]
        ctype = q.get("type", ["text/plain"])[0]
        frame = q.get("frame", ["length"])[0]
        status = int(q.get("status", ["200"])[0])
        pause = int(q.get("pause", ["0"])[0]) / 1000.0
        head = "HTTP/1.1 %d Status\r\nX-Backend: %s\r\n" % (status, NAME)
        if ctype != "none":
            head += "Content-Type: %s\r\n" % ctype
        for h in q.get("h", []):
            name, value = h.split(":", 1)
            head += "%s: %s\r\n" % (name, value.strip())
        bodiless = status < 200 or status in (204, 304)
        if not bodiless:
            if frame == "length":
                head += "Content-Length: %d\r\n" % n
            elif frame == "chunked":
                head += "Transfer-Encoding: chunked\r\n"
            else:
                head += "Connection: close\r\n"
                self.close_connection = True
        self.wfile.write(head.encode() + b"\r\n")
        if bodiless or self.command == "HEAD":
            self.wfile.flush()
            return
        sent = 0
        paused = pause == 0
        for c in gz_body(kind, n):
            if not paused and sent + len(c) > n // 2:
                first = c[:n // 2 - sent]
                c = c[len(first):]
                if first:
                    self.wfile.write(b"%x\r\n" % len(first) + first + b"\r\n" if frame == "chunked" else first)
                self.wfile.flush()
                time.sleep(pause)
                paused = True
                sent += len(first)
            if c:
                self.wfile.write(b"%x\r\n" % len(c) + c + b"\r\n" if frame == "chunked" else c)
            sent += len(c)
        if frame == "chunked":
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def handle_any(self):
        with lock:
            stats["requests"] += 1
            if not self.path.startswith("/__stats"):
                stats["paths"].append(self.path)
        path = self.path
        if path.startswith("/sink-after/"):
            time.sleep(int(path.split("/")[2]) / 1000.0)
        if path.startswith("/upgrade"):
            length, digest = 0, ""
        else:
            length, digest = self.read_body()
        parts = path.split("?")[0].split("/")
        if path.startswith("/__stats"):
            with lock:
                body = json.dumps(stats).encode()
            self.send_simple(200, body, "application/json")
        elif parts[1:2] == ["status"]:
            code = int(parts[2])
            self.send_simple(code, ("status %d\n" % code).encode())
        elif parts[1:2] == ["delay"]:
            time.sleep(int(parts[2]) / 1000.0)
            self.send_simple(200, b"slept\n")
        elif parts[1:2] == ["delay-on"]:
            if parts[2] == NAME:
                time.sleep(int(parts[3]) / 1000.0)
            self.send_simple(200, b"answered\n")
        elif parts[1:2] == ["gz"]:
            self.send_gz(parse_qs(urlsplit(path).query))
        elif parts[1:2] == ["gz-sha"]:
            q = parse_qs(urlsplit(path).query)
            h = hashlib.sha256()
            for c in gz_body(q.get("kind", ["pattern"])[0], int(q.get("n", ["0"])[0])):
                h.update(c)
            self.send_simple(200, h.hexdigest().encode())
        elif parts[1:2] == ["bytes-sha"]:
            h = hashlib.sha256()
            for c in pattern_chunks(int(parts[2])):
                h.update(c)
            self.send_simple(200, h.hexdigest().encode())
        elif parts[1:2] == ["bytes"]:
            n = int(parts[2])
            self.send_response(200)
            self.send_header("X-Backend", NAME)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            if self.command != "HEAD":
                for c in pattern_chunks(n):
                    self.wfile.write(c)
        elif parts[1:2] == ["chunked"]:
            n = int(parts[2])
            self.send_response(200)
            self.send_header("X-Backend", NAME)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command != "HEAD":
                for c in pattern_chunks(n):
                    self.wfile.write(b"%x\r\n" % len(c) + c + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
        elif path.startswith("/close-mid"):
            self.send_response(200)
            self.send_header("X-Backend", NAME)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"x" * 1000)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif parts[1:2] == ["slow-stream"]:
            self.send_response(200)
            self.send_header("X-Backend", NAME)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"6\r\nfirst\n\r\n")
            self.wfile.flush()
            time.sleep(int(parts[2]) / 1000.0)
            self.wfile.write(b"7\r\nsecond\n\r\n0\r\n\r\n")
        elif parts[1:2] == ["upgrade"]:
            self.switch_protocols()
            while True:
                data = self.connection.recv(65536)
                if not data:
                    break
                self.connection.sendall(data.upper())
        elif parts[1:2] == ["upgrade-drain"]:
            self.switch_protocols()
            received = self.receive_until_eof()
            self.connection.sendall(b"RECEIVED %d BYTES: " % len(received) + received.upper())
        elif parts[1:2] == ["upgrade-fin-first"]:
            self.switch_protocols()
            self.connection.sendall(b"upstream done\n")
            self.connection.shutdown(socket.SHUT_WR)
            received = self.receive_until_eof()
            print("TUNNEL-RECEIVED " + received.decode("utf-8", "replace").replace("\n", " "), flush=True)
        elif parts[1:2] == ["upgrade-flood"]:
            self.switch_protocols()
            sent = 0
            for c in pattern_chunks(int(parts[2])):
                self.connection.sendall(c)
                sent += len(c)
                with lock:
                    stats["flood_sent"] = sent
        elif parts[1:2] == ["upgrade-sink"]:
            self.switch_protocols()
            time.sleep(int(parts[2]) / 1000.0)
            total = 0
            while True:
                data = self.connection.recv(1 << 20)
                if not data:
                    break
                total += len(data)
            self.connection.sendall(b"SUNK %d\n" % total)
        elif path.startswith("/trickle-head"):
            raw = b"HTTP/1.1 200 OK\r\nX-Backend: " + NAME.encode() + b"\r\nContent-Length: 8\r\n\r\ntrickled"
            for i in range(len(raw)):
                self.wfile.write(raw[i:i + 1])
                self.wfile.flush()
                time.sleep(0.002)
        elif path.startswith("/eof-body"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Backend: " + NAME.encode() + b"\r\nConnection: close\r\n\r\n")
            for c in pattern_chunks(300000):
                self.wfile.write(c)
            self.wfile.flush()
            self.close_connection = True
        elif path.startswith("/early-hints"):
            self.wfile.write(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
            self.wfile.flush()
            self.send_simple(200, b"after hints\n")
        elif path.startswith("/trailers"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Backend: " + NAME.encode() + b"\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
                             b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n")
        elif path.startswith("/hop-response"):
            self.send_simple(200, b"hop\n", extra=[("Connection", "X-Upstream-Hop"), ("X-Upstream-Hop", "1"),
                                                   ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"),
                                                   ("X-Upstream-End", "kept")])
        elif path.startswith("/many-cookies"):
            self.send_simple(200, b"cookies\n", extra=[("Set-Cookie", "c%d=v%d; Path=/" % (i, i)) for i in range(50)])
        elif path.startswith("/bad-framing"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
        elif path.startswith("/huge-head"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Big: " + b"h" * 200000 + b"\r\nContent-Length: 2\r\n\r\nok")
            self.wfile.flush()
            self.close_connection = True
        elif path.startswith("/garbage"):
            self.wfile.write(b"THIS IS NOT HTTP\r\nat all\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
        elif path.startswith("/reset"):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif parts[1:2] == ["idle-close"]:
            # Keep-alive answer, but the server closes the connection after MS ms of idleness.
            self.connection.settimeout(int(parts[2]) / 1000.0)
            self.send_simple(200, b"will close when idle\n")
        elif path.startswith("/close-after"):
            self.close_connection = True
            self.send_simple(200, b"closing\n", extra=[("Connection", "close")])
        elif path.startswith("/own-cors"):
            # An upstream with CORS fields of its own (replaced by a CORS route) and a Vary.
            self.send_simple(200, b"own cors\n", extra=[("Access-Control-Allow-Origin", "https://upstream.example"),
                                                         ("Vary", "Accept-Encoding")])
        elif path.startswith("/cached"):
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_simple(304, b"", extra=[("ETag", '"v1"')])
            else:
                self.send_simple(200, b"cached body\n", extra=[("ETag", '"v1"')])
        else:
            headers = [[k, v] for k, v in self.headers.items()]
            body = json.dumps({
                "backend": NAME, "method": self.command, "path": path,
                "version": self.request_version, "headers": headers,
                "body_length": length, "body_sha256": digest,
            }).encode()
            self.send_simple(200, body, "application/json")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = handle_any

class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

server = Server((HOST, PORT), Handler)
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
"""#
}
