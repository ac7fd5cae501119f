/// The Python 3 WebSocket peers (the `websockets` package, installed by scripts/setup.sh)
/// that `WebSocketPeer` writes to a temp dir and runs: a real server and a real client, so
/// apus sits between two independent implementations of RFC 6455.
///
/// `ws.py server NAME` listens on a free loopback port, prints `PORT <n>`, and echoes every
/// message (same type). A text message `close:CODE:REASON` makes it close with that code.
/// When a connection ends it prints `CLOSED <path> <code> <reason>` with the close frame
/// the client sent (`-` when none arrived), so a test can see codes pass through; when one
/// opens it prints `OPENED <path> <Authorization or ->`.
///
/// With WS_CERT and WS_KEY in its environment the server speaks TLS (wss); a client given a
/// wss:// URL trusts the CA file in WS_CA; WS_CONNECT_HOST makes it connect to that address
/// whatever name the URL carries.
///
/// `ws.py client URL SCENARIO [ARGS]` runs one scenario and prints one JSON object, with
/// `"ok": true` only when everything checked out; it exits 0 either way unless it crashed.
/// - `echo`: text and binary messages, then a 16 MiB binary message, each compared with its echo
/// - `ping`: ten pings, each answered by a pong with the same payload
/// - `client-close`: closes with 4001 "bye"; reports the code the server's close frame echoed
/// - `server-close`: asks the server to close with 1011; reports the code and reason received
/// - `concurrent N GOFILE`: opens N connections, prints `OPEN <n>`, waits for GOFILE to
///   exist, then has every connection echo three messages at once and closes them all
enum WebSocketScript {
    static let source = #"""
import asyncio, json, os, resource, ssl, sys, time
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
BIG = 16 * 1024 * 1024

async def server(name):
    async def handler(ws):
        print("OPENED %s %s" % (ws.request.path, ws.request.headers.get("Authorization", "-")), flush=True)
        try:
            async for message in ws:
                if isinstance(message, str) and message.startswith("close:"):
                    _, code, reason = message.split(":", 2)
                    await ws.close(int(code), reason)
                    break
                await ws.send(message)
        except ConnectionClosed:
            pass
        await ws.wait_closed()
        rcvd = ws.close_exc.rcvd if ws.close_exc is not None else None
        code = rcvd.code if rcvd is not None else "-"
        reason = rcvd.reason if rcvd is not None else "-"
        print("CLOSED %s %s %s" % (ws.request.path, code, reason or "-"), flush=True)

    context = None
    if os.environ.get("WS_CERT"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.environ["WS_CERT"], os.environ["WS_KEY"])
    async with serve(handler, "127.0.0.1", 0, max_size=None, backlog=4096, ping_interval=None, ssl=context) as srv:
        port = srv.sockets[0].getsockname()[1]
        print("PORT %d" % port, flush=True)
        await asyncio.Future()

def dial(url, **options):
    if url.startswith("wss:"):
        options["ssl"] = ssl.create_default_context(cafile=os.environ["WS_CA"])
    if os.environ.get("WS_CONNECT_HOST"):
        # Connect there while the URL's name goes into Host and SNI.
        options["host"] = os.environ["WS_CONNECT_HOST"]
    return connect(url, proxy=None, open_timeout=30, ping_interval=None, **options)

async def scenario_echo(url):
    checks = {}
    async with dial(url) as ws:
        await ws.send("hello through apus")
        checks["text"] = await ws.recv() == "hello through apus"
        small = os.urandom(1000)
        await ws.send(small)
        checks["binary"] = await ws.recv() == small
        checks["deflate"] = ws.response.headers.get("Sec-WebSocket-Extensions", "").startswith("permessage-deflate")
    big = os.urandom(BIG)
    async with dial(url, max_size=None, compression=None) as ws:
        started = time.monotonic()
        await ws.send(big)
        echoed = await ws.recv()
        checks["big"] = echoed == big
        checks["big_seconds"] = round(time.monotonic() - started, 3)
    checks["ok"] = checks["text"] and checks["binary"] and checks["big"]
    return checks

async def scenario_ping(url):
    async with dial(url) as ws:
        answered = 0
        for i in range(10):
            pong = await ws.ping(b"ping-%d" % i)
            await asyncio.wait_for(pong, 5)
            answered += 1
        await ws.send("after pings")
        still = await ws.recv() == "after pings"
    return {"ok": answered == 10 and still, "pongs": answered}

async def scenario_client_close(url):
    ws = await dial(url)
    await ws.send("before close")
    await ws.recv()
    await ws.close(4001, "bye")
    rcvd = ws.close_exc.rcvd if ws.close_exc is not None else None
    code = rcvd.code if rcvd is not None else None
    return {"ok": code == 4001, "code": code}

async def scenario_server_close(url):
    ws = await dial(url)
    await ws.send("close:1011:server bye")
    try:
        await asyncio.wait_for(ws.recv(), 10)
        return {"ok": False, "error": "a message instead of a close"}
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd is not None else None
        reason = closed.rcvd.reason if closed.rcvd is not None else None
        return {"ok": code == 1011 and reason == "server bye", "code": code, "reason": reason}

async def scenario_concurrent(url, count, gofile):
    gate = asyncio.Semaphore(64)
    async def open_one(i):
        async with gate:
            return await dial(url + "?n=%d" % i)
    sockets = await asyncio.gather(*(open_one(i) for i in range(count)))
    print("OPEN %d" % len(sockets), flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(gofile) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    async def talk(i, ws):
        good = 0
        for k in range(3):
            text = "tunnel %d message %d" % (i, k)
            await ws.send(text)
            if await asyncio.wait_for(ws.recv(), 30) == text:
                good += 1
        await ws.close()
        return good == 3
    results = await asyncio.gather(*(talk(i, ws) for i, ws in enumerate(sockets)))
    echoed = sum(1 for r in results if r)
    return {"ok": echoed == count, "opened": len(sockets), "echoed": echoed}

async def client(url, name, args):
    if name == "echo": result = await scenario_echo(url)
    elif name == "ping": result = await scenario_ping(url)
    elif name == "client-close": result = await scenario_client_close(url)
    elif name == "server-close": result = await scenario_server_close(url)
    elif name == "concurrent": result = await scenario_concurrent(url, int(args[0]), args[1])
    else: raise SystemExit("unknown scenario " + name)
    print(json.dumps(result), flush=True)

if sys.argv[1] == "server":
    asyncio.run(server(sys.argv[2]))
else:
    asyncio.run(client(sys.argv[2], sys.argv[3], sys.argv[4:]))
"""#
}
