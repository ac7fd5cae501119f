/// A Python 3 HTTP/2 upstream (Python's `h2`), h2c with prior knowledge, for what gRPC
/// servers do not show on demand: a small SETTINGS_MAX_CONCURRENT_STREAMS and initial
/// window, a graceful GOAWAY after a number of requests, REFUSED_STREAM.
///
/// `h2upstream.py [--max-streams N] [--window N] [--goaway-after K] [--close-after K]` prints `PORT n` and
/// `CONTROL m`. Every request is answered with JSON naming its path, method, `te`,
/// `:authority`, `:scheme` and its body's length and sha256; `/big/N` answers N bytes. A
/// request to `/refuse-once` is refused with REFUSED_STREAM the first time its `x-id` is
/// seen. With `--goaway-after K`, each connection's K-th request gets a GOAWAY naming it as
/// the last stream taken; streams after it are left unprocessed; with `--close-after K` it
/// closes the connection right after its K-th answer, without GOAWAY. `/trailers-only`
/// answers a gRPC status in one HEADERS frame; `/early` answers before the request body
/// came, then resets the stream with NO_ERROR; `/slow/MS` answers after MS ms. Any HTTP/1.1 request to
/// the control port answers the counts: connections, most streams open at once on one
/// connection, refused streams, GOAWAYs, requests, flow-control errors.
enum HTTP2UpstreamScript {
    static let source = #"""
import hashlib, json, socket, sys, threading, time
import h2.config, h2.connection, h2.events, h2.settings, h2.errors

# h2upstream.py [--max-streams N] [--window N] [--goaway-after K]
args = sys.argv[1:]
def option(name, default):
    return int(args[args.index(name) + 1]) if name in args else default
MAX_STREAMS = option("--max-streams", 100)
WINDOW = option("--window", 65535)
GOAWAY_AFTER = option("--goaway-after", 0)
CLOSE_AFTER = option("--close-after", 0)
lock = threading.Lock()
stats = {"connections": 0, "max_active": 0, "refused": 0, "goaways": 0, "requests": 0, "flow_errors": 0}
seen_ids = set()

def log(event, **fields):
    print(json.dumps(dict(event=event, **fields)), flush=True)

def handle(sock):
    config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
    conn = h2.connection.H2Connection(config=config)
    conn.initiate_connection()
    # Sent as an update: a client may use the defaults until it has them (RFC 9113 §6.5.3).
    conn.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: MAX_STREAMS,
                          h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: WINDOW})
    sock.sendall(conn.data_to_send())
    bodies, heads, active, count, going, last_taken = {}, {}, set(), 0, False, 0
    with lock:
        stats["connections"] += 1
    answered = [0]
    def answer(stream_id):
        answered[0] += 1
        head = heads.pop(stream_id)
        body = bodies.pop(stream_id, b"")
        text = json.dumps({"path": head[":path"], "method": head[":method"], "bytes": len(body),
                           "sha256": hashlib.sha256(body).hexdigest(), "te": head.get("te"),
                           "authority": head.get(":authority"), "scheme": head.get(":scheme")}).encode()
        if head[":path"].startswith("/big/"):
            text = bytes(range(256)) * (int(head[":path"][5:]) // 256)
        if head[":path"].startswith("/slow/"):
            time.sleep(int(head[":path"][6:]) / 1000)
        if head[":path"] == "/trailers-only":
            conn.send_headers(stream_id, [(":status", "200"), ("content-type", "application/grpc"), ("grpc-status", "5"),
                                          ("grpc-message", "not here")], end_stream=True)
            active.discard(stream_id)
            return
        conn.send_headers(stream_id, [(":status", "200"), ("content-type", "application/json"), ("x-upstream-stream", str(stream_id))])
        send_body(stream_id, text)
    pending_out = {}
    def send_body(stream_id, data):
        pending_out[stream_id] = data
        flush_bodies()
    def flush_bodies():
        for stream_id in list(pending_out):
            data = pending_out[stream_id]
            while data:
                window = min(conn.local_flow_control_window(stream_id), conn.max_outbound_frame_size)
                if window <= 0:
                    break
                conn.send_data(stream_id, data[:window])
                data = data[window:]
            if data:
                pending_out[stream_id] = data
            else:
                del pending_out[stream_id]
                conn.end_stream(stream_id)
                active.discard(stream_id)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return
            try:
                events = conn.receive_data(data)
            except h2.exceptions.FlowControlError:
                with lock:
                    stats["flow_errors"] += 1
                raise
            for event in events:
                if isinstance(event, h2.events.RequestReceived):
                    head = dict(event.headers)
                    heads[event.stream_id] = head
                    active.add(event.stream_id)
                    count += 1
                    with lock:
                        stats["requests"] += 1
                        stats["max_active"] = max(stats["max_active"], len(active))
                        request_id = head.get("x-id")
                        refuse = head[":path"].startswith("/refuse-once") and request_id not in seen_ids
                        if request_id:
                            seen_ids.add(request_id)
                    if refuse:
                        with lock:
                            stats["refused"] += 1
                        conn.reset_stream(event.stream_id, h2.errors.ErrorCodes.REFUSED_STREAM)
                        heads.pop(event.stream_id)
                        active.discard(event.stream_id)
                    elif GOAWAY_AFTER and count == GOAWAY_AFTER and not going:
                        going = True
                        with lock:
                            stats["goaways"] += 1
                        # A graceful GOAWAY, written past the library (whose own
                        # close_connection stops it taking any frame after).
                        from hyperframe.frame import GoAwayFrame
                        frame = GoAwayFrame(0)
                        frame.last_stream_id = event.stream_id
                        sock.sendall(conn.data_to_send() + frame.serialize())
                        last_taken = event.stream_id
                    if head[":path"] == "/early":
                        # The whole answer before the body, then RST_STREAM(NO_ERROR): the
                        # rest of the upload is not wanted (RFC 9113 §8.1).
                        heads.pop(event.stream_id)
                        conn.send_headers(event.stream_id, [(":status", "200"), ("content-length", "5")])
                        conn.send_data(event.stream_id, b"early", end_stream=True)
                        conn.reset_stream(event.stream_id, h2.errors.ErrorCodes.NO_ERROR)
                        active.discard(event.stream_id)
                        continue
                    if going and event.stream_id > last_taken:
                        # Not processed: the client retries it elsewhere.
                        heads.pop(event.stream_id, None)
                        active.discard(event.stream_id)
                        continue
                    if event.stream_ended and event.stream_id in heads:
                        answer(event.stream_id)
                elif isinstance(event, h2.events.DataReceived):
                    if event.stream_id in heads:
                        bodies[event.stream_id] = bodies.get(event.stream_id, b"") + event.data
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    if event.stream_id in heads:
                        answer(event.stream_id)
                elif isinstance(event, h2.events.StreamReset):
                    heads.pop(event.stream_id, None)
                    active.discard(event.stream_id)
                    pending_out.pop(event.stream_id, None)
                elif isinstance(event, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
                    flush_bodies()
            sock.sendall(conn.data_to_send())
            if going and not any(s <= last_taken for s in heads) and not pending_out:
                return
            if CLOSE_AFTER and answered[0] >= CLOSE_AFTER and not pending_out:
                # Closes right after its last answer, with no GOAWAY.
                return
    except Exception as error:
        log("error", error=repr(error))
    finally:
        sock.close()

def control(sock):
    # Any HTTP/1.1 request on the control port answers the stats.
    sock.recv(65536)
    with lock:
        body = json.dumps(stats).encode()
    sock.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body) + body)
    sock.close()

def listen(handler):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    def loop():
        while True:
            client, _ = server.accept()
            threading.Thread(target=handler, args=(client,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    return server.getsockname()[1]

port = listen(handle)
control_port = listen(control)
print(f"PORT {port}", flush=True)
print(f"CONTROL {control_port}", flush=True)
threading.Event().wait()
"""#
}
