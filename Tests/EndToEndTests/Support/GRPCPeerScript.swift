/// A Python 3 gRPC peer (grpcio and grpcio-health-checking, installed by
/// scripts/setup.sh), with no generated code: methods carry raw bytes.
///
/// `grpcpeer.py server [CERT KEY]`: serves `apus.test.Echo` (Unary, ServerStream,
/// ClientStream, Bidi) and the standard health service on a free port, printed first as
/// `PORT n`; with CERT and KEY over TLS; on the address in `GRPC_HOST` (default 127.0.0.1).
/// Unary echoes its request with metadata both ways
/// (`x-echo` comes back as initial metadata `x-echo-back`, trailers carry `x-trailer`);
/// `fail:CODE:message` aborts with that status, `sleep:MS` answers late. ServerStream takes
/// `count:size[:pause-ms]` and prints `CANCELLED ServerStream` when its client went away.
///
/// `grpcpeer.py client TARGET SCENARIO [CA]` prints one JSON object: `calls` (every call
/// type, 16 MiB messages, metadata, status codes, a deadline, health checks), `cancel`, `many`
/// (1,000 calls over 10 connections at once).
enum GRPCPeerScript {
    static let source = #"""
import hashlib, json, os, sys, threading, time
from concurrent import futures
import grpc

SERVICE = "apus.test.Echo"
HOST = os.environ.get("GRPC_HOST", "127.0.0.1")
OPTIONS = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]

def say(*words):
    print(*words, flush=True)

def unary(request, context):
    metadata = dict(context.invocation_metadata())
    context.send_initial_metadata((("x-echo-back", metadata.get("x-echo", "")),))
    if request.startswith(b"fail:"):
        _, code, message = request.decode().split(":", 2)
        context.set_trailing_metadata((("x-trailer", "failed"),))
        context.abort(getattr(grpc.StatusCode, code), message)
    if request.startswith(b"sleep:"):
        time.sleep(int(request[6:]) / 1000)
    context.set_trailing_metadata((("x-trailer", "done"), ("x-size", str(len(request)))))
    return request

def server_stream(request, context):
    count, size = (int(x) for x in request.decode().split(":")[:2])
    pause = int(request.decode().split(":")[2]) / 1000 if request.count(b":") >= 2 else 0
    # Called when the call ends however it ends: a cancel may stop the generator at a
    # yield, where no check of its own would run.
    finished = []
    context.add_callback(lambda: None if finished else say("CANCELLED ServerStream"))
    for index in range(count):
        if pause:
            time.sleep(pause)
        if not context.is_active():
            return
        yield bytes([index % 256]) * size
    finished.append(True)

def client_stream(requests, context):
    digest, count, total = hashlib.sha256(), 0, 0
    for message in requests:
        digest.update(message)
        count += 1
        total += len(message)
    return json.dumps({"count": count, "bytes": total, "sha256": digest.hexdigest()}).encode()

def bidi(requests, context):
    for message in requests:
        yield message[::-1]

def serve(cert=None, key=None):
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64), options=OPTIONS + [("grpc.max_concurrent_streams", 1000)])
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream),
        "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream),
        "Bidi": grpc.stream_stream_rpc_method_handler(bidi),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    checker = health.HealthServicer()
    checker.set("", health_pb2.HealthCheckResponse.SERVING)
    checker.set(SERVICE, health_pb2.HealthCheckResponse.SERVING)
    checker.set("apus.test.Down", health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    if cert:
        credentials = grpc.ssl_server_credentials(((open(key, "rb").read(), open(cert, "rb").read()),))
        port = server.add_secure_port(HOST + ":0", credentials)
    else:
        port = server.add_insecure_port(HOST + ":0")
    server.start()
    say("PORT", port)
    server.wait_for_termination()

def channel(target, ca=None, own=False):
    options = list(OPTIONS)
    if own:
        # A subchannel (a connection) of its own, not shared with the other channels.
        options.append(("grpc.use_local_subchannel_pool", 1))
    if ca:
        return grpc.secure_channel(target, grpc.ssl_channel_credentials(open(ca, "rb").read()),
                                   options + [("grpc.ssl_target_name_override", "localhost")])
    return grpc.insecure_channel(target, options)

def code_of(call):
    try:
        call()
        return "OK", ""
    except grpc.RpcError as error:
        return error.code().name, error.details()

def calls(target, ca):
    ch = channel(target, ca)
    out = {}
    unary_call = ch.unary_unary(f"/{SERVICE}/Unary")
    response, call = unary_call.with_call(b"hello", metadata=(("x-echo", "meta-1"),), timeout=20)
    out["unary"] = response.decode()
    out["initial_metadata"] = dict(call.initial_metadata()).get("x-echo-back")
    out["trailing_metadata"] = dict(call.trailing_metadata()).get("x-trailer")
    big = os.urandom(16 << 20)
    response = unary_call(big, timeout=60)
    out["big_unary_exact"] = hashlib.sha256(response).hexdigest() == hashlib.sha256(big).hexdigest()
    stream = ch.unary_stream(f"/{SERVICE}/ServerStream")
    sizes = [len(m) for m in stream(b"100:1024", timeout=30)]
    out["server_stream"] = [len(sizes), sum(sizes)]
    bigs = [len(m) for m in stream(b"3:16777216", timeout=60)]
    out["server_stream_big"] = bigs
    messages = [os.urandom(256 << 10) for _ in range(64)] + [big]
    digest = hashlib.sha256(b"".join(messages)).hexdigest()
    summary = json.loads(ch.stream_unary(f"/{SERVICE}/ClientStream")(iter(messages), timeout=60))
    out["client_stream_exact"] = summary["sha256"] == digest and summary["count"] == 65
    words = [f"message {i}".encode() for i in range(50)]
    echoed = list(ch.stream_stream(f"/{SERVICE}/Bidi")(iter(words), timeout=30))
    out["bidi_exact"] = echoed == [w[::-1] for w in words]
    code, details = code_of(lambda: unary_call.with_call(b"fail:NOT_FOUND:no such thing \xe2\x9c\x93".decode("utf-8").encode(), timeout=10))
    out["status"] = [code, details]
    try:
        unary_call.with_call(b"fail:PERMISSION_DENIED:denied", timeout=10)
    except grpc.RpcError as error:
        out["failed_trailer"] = dict(error.trailing_metadata()).get("x-trailer")
    out["deadline"] = list(code_of(lambda: unary_call(b"sleep:3000", timeout=0.5)))
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    checker = health_pb2_grpc.HealthStub(ch)
    out["health"] = [health_pb2.HealthCheckResponse.ServingStatus.Name(checker.Check(health_pb2.HealthCheckRequest(service=s), timeout=10).status)
                     for s in ("", SERVICE, "apus.test.Down")]
    out["health_unknown"] = code_of(lambda: checker.Check(health_pb2.HealthCheckRequest(service="nope"), timeout=10))[0]
    watch = checker.Watch(health_pb2.HealthCheckRequest(service=SERVICE), timeout=10)
    out["health_watch"] = health_pb2.HealthCheckResponse.ServingStatus.Name(next(watch).status)
    watch.cancel()
    return out

def cancel(target, ca):
    ch = channel(target, ca)
    stream = ch.unary_stream(f"/{SERVICE}/ServerStream")(b"1000:10:50", timeout=60)
    first = next(stream)
    stream.cancel()
    code = code_of(lambda: list(stream))[0]
    return {"first": len(first), "code": code}

def many(target, ca):
    channels = [channel(target, ca, own=True) for _ in range(10)]
    calls = [ch.unary_unary(f"/{SERVICE}/Unary") for ch in channels]
    pending = [calls[i % 10].future(f"call {i}".encode() + b"x" * 1000, timeout=60) for i in range(1000)]
    ok = sum(1 for i, f in enumerate(pending) if f.result() == f"call {i}".encode() + b"x" * 1000)
    return {"ok": ok}

if __name__ == "__main__":
    if sys.argv[1] == "server":
        serve(*sys.argv[2:4])
    else:
        target, scenario = sys.argv[2], sys.argv[3]
        ca = sys.argv[4] if len(sys.argv) > 4 else None
        print(json.dumps(globals()[scenario](target, ca)), flush=True)
"""#
}
