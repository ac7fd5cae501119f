/// A Python 3 WebSocket client over HTTP/2 (RFC 8441), from frames (`hyperframe` and
/// `hpack`, with Python's `h2`): it opens a stream with an extended CONNECT, sends two
/// masked text messages as DATA, reads their echoes, closes with 1000 and ends the stream.
/// Prints one JSON object: the server's SETTINGS_ENABLE_CONNECT_PROTOCOL, the stream's
/// status, the echoed messages, the close code the server answered and whether the stream
/// ended cleanly.
///
/// `h2ws.py HOST PORT CA|- [PATH]`: TLS with ALPN h2 when a CA file is given, else h2c;
/// PATH defaults to /chat. When the stream is answered with another status, the script
/// sends an HTTP/1.1 request for `/smuggled` as DATA on the ended stream and reports the
/// frames that came back for it (`after`): it must never become a request.
enum HTTP2WebSocketScript {
    static let source = #"""
import json, os, socket, ssl, sys
from hyperframe.frame import Frame, HeadersFrame, DataFrame, SettingsFrame, WindowUpdateFrame, RstStreamFrame
from hpack import Decoder, Encoder

host, port = sys.argv[1], int(sys.argv[2])
tls = len(sys.argv) > 3 and sys.argv[3] != "-"
path = sys.argv[4] if len(sys.argv) > 4 else "/chat"
sock = socket.create_connection((host, port))
if tls:
    context = ssl.create_default_context(cafile=sys.argv[3])
    context.set_alpn_protocols(["h2"])
    sock = context.wrap_socket(sock, server_hostname="localhost")
sock.settimeout(25)
encoder, decoder = Encoder(), Decoder()
sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + SettingsFrame(0).serialize())
pending = b""

def frames():
    global pending
    while True:
        while len(pending) >= 9:
            length = int.from_bytes(pending[:3], "big")
            if len(pending) < 9 + length:
                break
            frame, _ = Frame.parse_frame_header(memoryview(pending[:9]))
            frame.parse_body(memoryview(pending[9:9 + length]))
            pending = pending[9 + length:]
            yield frame
        data = sock.recv(65536)
        if not data:
            return
        pending += data

def masked(opcode, payload):
    mask = os.urandom(4)
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

result = {"messages": []}
stream = frames()
for frame in stream:
    if isinstance(frame, SettingsFrame) and "ACK" not in frame.flags:
        result["enable_connect_protocol"] = dict(frame.settings).get(8)
        sock.sendall(SettingsFrame(0, flags=["ACK"]).serialize())
        break
block = encoder.encode([(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "https" if tls else "http"),
                        (":path", path), (":authority", "localhost"), ("sec-websocket-version", "13")])
sock.sendall(HeadersFrame(1, block, flags=["END_HEADERS"]).serialize())
received = b""
for frame in stream:
    if isinstance(frame, HeadersFrame) and frame.stream_id == 1:
        result["status"] = int(dict(decoder.decode(frame.data))[":status"])
        if result["status"] != 200:
            result["ended"] = "END_STREAM" in frame.flags
            sock.sendall(DataFrame(1, b"GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n").serialize())
            sock.settimeout(1)
            after = []
            try:
                for later in stream:
                    if later.stream_id == 1:
                        after.append(type(later).__name__)
                        if "END_STREAM" in getattr(later, "flags", ()):
                            result["ended"] = True
            except OSError:
                pass
            result["after"] = after
            break
        sock.sendall(DataFrame(1, masked(0x1, b"first over h2") + masked(0x1, b"second over h2")).serialize())
    elif isinstance(frame, DataFrame) and frame.stream_id == 1:
        if frame.data:
            sock.sendall(WindowUpdateFrame(0, window_increment=len(frame.data)).serialize()
                         + WindowUpdateFrame(1, window_increment=len(frame.data)).serialize())
        received += frame.data
        # Server frames are unmasked and short here: opcode, length, payload.
        while len(received) >= 2 and len(received) >= 2 + (received[1] & 0x7F):
            opcode, size = received[0] & 0x0F, received[1] & 0x7F
            payload, received = received[2:2 + size], received[2 + size:]
            if opcode == 0x1:
                result["messages"].append(payload.decode())
                if len(result["messages"]) == 2:
                    sock.sendall(DataFrame(1, masked(0x8, (1000).to_bytes(2, "big")), flags=["END_STREAM"]).serialize())
            elif opcode == 0x8:
                result["close_code"] = int.from_bytes(payload[:2], "big")
        if "END_STREAM" in frame.flags:
            result["ended"] = True
            break
    elif isinstance(frame, RstStreamFrame) and frame.stream_id == 1:
        result["reset"] = frame.error_code
        break
print(json.dumps(result))
"""#
}
