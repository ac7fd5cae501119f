/// The Kubernetes API test server that `KubeAPIServer` writes to a temp dir and runs (Python 3, stdlib only).
///
/// Faithful to the bytes a real kube-apiserver sends (../shared/kubernetes/samples): lists with
/// `metadata.resourceVersion` and limit/continue paging, items without kind/apiVersion; watches as
/// `Transfer-Encoding: chunked` with exactly one JSON event plus "\n" per chunk, ended by `0\r\n\r\n` when
/// `timeoutSeconds` runs out; BOOKMARK events; a too-old resourceVersion answered `200` with one ERROR
/// event holding a 410 `Expired` Status (and `410` on an Exact list); 401 and 403 Status objects with the
/// real messages; one global, monotonic resourceVersion, and a watch from RV replays every later event.
/// Unlike a real server it accepts EndpointSlice addresses in 127.0.0.0/8 so tests can use local backends.
/// A second port takes test commands: objects in and out, stop/start the API listener (state kept),
/// expire (force 410s), bookmarks, dropped watches, 403s by verb and resource, a required token.
enum KubeAPIScript {
    static let source = #"""
import email.utils, json, socket, ssl, sys, threading, time, uuid
from urllib.parse import urlsplit, parse_qs

# A Kubernetes API test server: lists, chunked watches, bookmarks, 410 Gone, 401/403 Status
# objects and resourceVersion rules, byte for byte as a real kube-apiserver answers an
# HTTP/1.1 client that is not curl (compact JSON plus "\n", Go's header order).
# Unlike a real server it ACCEPTS EndpointSlice addresses in 127.0.0.0/8, so that tests can
# point endpoints at local backends.
# Usage: kube_api.py API_PORT CONTROL_PORT [CERT KEY [CLIENT_CA]] (0 = any port); prints
# "PORT <api> CONTROL <control>". With CERT and KEY the API speaks TLS; with CLIENT_CA it also
# requires a client certificate signed by that CA.
# The control port takes test commands (see handle_control).

KINDS = {
    "ingressclasses": ("networking.k8s.io", "v1", "IngressClass", False),
    "ingresses": ("networking.k8s.io", "v1", "Ingress", True),
    "services": ("", "v1", "Service", True),
    "endpointslices": ("discovery.k8s.io", "v1", "EndpointSlice", True),
    "secrets": ("", "v1", "Secret", True),
    "leases": ("coordination.k8s.io", "v1", "Lease", True),
}
PLURAL_OF = {v[2]: k for k, v in KINDS.items()}
USER = "system:serviceaccount:apus-system:apus"
FLOW = "a474a4c2-da20-4da7-9c37-d1891ada68b1"
PRIO = "5c51cff8-e1b9-4a62-91d7-13be95a5f77a"
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 415: "Unsupported Media Type", 410: "Gone", 500: "Internal Server Error"}

cond = threading.Condition()
state = {
    "rv": 200, "objects": {k: {} for k in KINDS}, "events": [], "compacted": 0,
    "forbidden": set(), "token": None, "requests": [], "watch_epoch": 0, "epoch_action": None,
    "conns": set(), "listener": None, "watches": 0,
}

def api_version(plural):
    group, version, _, _ = KINDS[plural]
    return f"{group}/{version}" if group else version

def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

def head(status, extra, length=None, chunked=False, flow=True, nosniff=False):
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}", f"Audit-Id: {uuid.uuid4()}",
             "Cache-Control: no-cache, private", "Content-Type: application/json"]
    if nosniff:
        lines.append("X-Content-Type-Options: nosniff")
    if flow:
        lines += [f"X-Kubernetes-Pf-Flowschema-Uid: {FLOW}", f"X-Kubernetes-Pf-Prioritylevel-Uid: {PRIO}"]
    lines += extra
    lines.append("Date: " + email.utils.formatdate(usegmt=True))
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    else:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()

def encode(obj):
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()

def send_json(conn, status, obj, **kw):
    body = encode(obj)
    conn.sendall(head(status, [], len(body), **kw) + body)

def status_object(code, reason, message, details=None):
    o = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason}
    if details:
        o["details"] = details
    o["code"] = code
    return o

def send_status(conn, code, reason, message, details=None):
    send_json(conn, code, status_object(code, reason, message, details),
              flow=code != 401, nosniff=code == 403)

def parse_api_path(path):
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, rest = parts[1], parts[3:]
    else:
        return None
    ns = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        ns, rest = rest[1], rest[2:]
    if not rest or rest[0] not in KINDS or KINDS[rest[0]][0] != group:
        return None
    plural = rest[0]
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    return plural, ns, name, sub

def matches(plural, ns, selector, obj):
    if ns is not None and obj["metadata"].get("namespace") != ns:
        return False
    for term in selector:
        key, _, value = term.partition("=")
        if key == "type" and obj.get("type") != value:
            return False
        if key == "metadata.name" and obj["metadata"].get("name") != value:
            return False
        if key == "metadata.namespace" and obj["metadata"].get("namespace") != value:
            return False
    return True

def verb_of(method, name, watch):
    if method == "GET":
        return "watch" if watch else ("get" if name else "list")
    return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, method.lower())

def forbidden_message(plural, group, ns, name, verb, sub):
    display = plural + (f".{group}" if group else "")
    resource = plural + (f"/{sub}" if sub else "")
    subject = f'{display} "{name}"' if name else display
    scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
    details = {"name": name} if name else {}
    if group:
        details["group"] = group
    details["kind"] = plural
    return f'{subject} is forbidden: User "{USER}" cannot {verb} resource "{resource}" in API group "{group}" {scope}', details

def read_request(conn, buf):
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None, buf
        buf += data
    head_bytes, _, rest = buf.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None, b""
        rest += data
    return (method, target, headers, rest[:length]), rest[length:]

TLS = None

def serve_api(conn):
    if TLS is not None:
        try:
            conn.settimeout(10)
            conn = TLS.wrap_socket(conn, server_side=True)
            conn.settimeout(None)
        except (OSError, ssl.SSLError):
            conn.close()
            return
    with cond:
        state["conns"].add(conn)
    buf = b""
    try:
        while True:
            req, buf = read_request(conn, buf)
            if req is None:
                return
            method, target, headers, body = req
            keep = handle_api(conn, method, target, headers, body)
            if not keep or headers.get("connection", "").lower() == "close":
                return
    except (OSError, ValueError):
        pass
    finally:
        with cond:
            state["conns"].discard(conn)
        try:
            conn.close()
        except OSError:
            pass

def handle_api(conn, method, target, headers, body):
    url = urlsplit(target)
    q = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
    auth = headers.get("authorization", "")
    with cond:
        token = state["token"]
        state["requests"].append({"method": method, "path": target, "authorization": "Bearer" if auth.startswith("Bearer ") else ""})
    if token is not None and auth != f"Bearer {token}":
        send_status(conn, 401, "Unauthorized", "Unauthorized")
        return True
    parsed = parse_api_path(url.path)
    if parsed is None:
        send_status(conn, 404, "NotFound", "the server could not find the requested resource", {})
        return True
    plural, ns, name, sub = parsed
    group = KINDS[plural][0]
    watch = q.get("watch") in ("1", "true")
    verb = verb_of(method, name, watch)
    with cond:
        denied = (verb, plural) in state["forbidden"]
    if denied:
        message, details = forbidden_message(plural, group, ns, name, verb, sub)
        send_status(conn, 403, "Forbidden", message, details)
        return True
    if ns is None and KINDS[plural][3] and name:
        send_status(conn, 404, "NotFound", "the server could not find the requested resource", {})
        return True
    selector = [t for t in q.get("fieldSelector", "").split(",") if t]
    if method == "GET" and watch:
        return stream_watch(conn, plural, ns, selector, q)
    if method == "GET" and name is None:
        return list_objects(conn, plural, ns, selector, q)
    if method == "GET":
        with cond:
            obj = state["objects"][plural].get((ns or "", name))
        if obj is None:
            details = {"name": name}
            if group:
                details["group"] = group
            details["kind"] = plural
            send_status(conn, 404, "NotFound", f'{plural}{"." + group if group else ""} "{name}" not found', details)
        else:
            send_json(conn, 200, obj)
        return True
    if method in ("POST", "PUT", "PATCH"):
        try:
            obj = json.loads(body)
        except ValueError:
            send_status(conn, 400, "BadRequest", "the body is not JSON")
            return True
        if not isinstance(obj, dict):
            send_status(conn, 400, "BadRequest", "the body is not a JSON object")
            return True
        if method == "PATCH" and headers.get("content-type", "").split(";")[0].strip() != "application/merge-patch+json":
            send_status(conn, 415, "UnsupportedMediaType", f'the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (this test server takes merge patches only)')
            return True
        if method == "POST" or method == "PUT":
            obj.setdefault("metadata", {})
            if KINDS[plural][3]:
                obj["metadata"]["namespace"] = ns or obj["metadata"].get("namespace") or "default"
            if name:
                obj["metadata"]["name"] = name
        with cond:
            key = (ns or "", name) if method == "PATCH" else (obj["metadata"].get("namespace", ""), obj["metadata"].get("name"))
            current = state["objects"][plural].get(key)
            if method == "POST" and current is not None:
                send_status(conn, 409, "AlreadyExists", f'{plural}{"." + group if group else ""} "{key[1]}" already exists', {"name": key[1], "group": group, "kind": plural})
                return True
            if method in ("PUT", "PATCH"):
                if current is None:
                    send_status(conn, 404, "NotFound", f'{plural}{"." + group if group else ""} "{key[1]}" not found', {"name": key[1], "group": group, "kind": plural})
                    return True
                if method == "PATCH":
                    obj = merge_patch(json.loads(json.dumps(current)), obj)
                wanted = obj.get("metadata", {}).get("resourceVersion")
                if wanted and wanted != current["metadata"]["resourceVersion"]:
                    send_status(conn, 409, "Conflict", f'Operation cannot be fulfilled on {plural}{"." + group if group else ""} "{key[1]}": the object has been modified; please apply your changes to the latest version and try again', {"name": key[1], "group": group, "kind": plural})
                    return True
                obj = as_update(plural, sub, current, obj)
            stored = apply_object(plural, obj)
        send_json(conn, 201 if method == "POST" else 200, stored)
        return True
    if method == "DELETE" and name:
        with cond:
            gone = delete_object(plural, ns or "", name)
        if gone is None:
            send_status(conn, 404, "NotFound", f'{plural} "{name}" not found', {"name": name, "kind": plural})
        else:
            send_json(conn, 200, gone)
        return True
    send_status(conn, 405, "MethodNotAllowed", f"{method} is not supported by this test server")
    return True

def list_objects(conn, plural, ns, selector, q):
    with cond:
        rv_param = q.get("resourceVersion")
        if q.get("resourceVersionMatch") == "Exact" and rv_param and int(rv_param) < state["compacted"]:
            send_status(conn, 410, "Expired", "The resourceVersion for the provided list is too old.")
            return True
        token = q.get("continue")
        if token:
            try:
                snap_rv, start = json.loads(bytes.fromhex(token).decode())
            except ValueError:
                send_status(conn, 400, "BadRequest", "continue key is not valid")
                return True
            if snap_rv < state["compacted"]:
                send_status(conn, 410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
                return True
            items = snapshots.get((plural, ns, tuple(selector), snap_rv))
            if items is None:
                send_status(conn, 410, "Expired", "continue token expired")
                return True
        else:
            snap_rv = state["rv"]
            items = sorted((o for o in state["objects"][plural].values() if matches(plural, ns, selector, o)),
                           key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
            items = [json.loads(json.dumps(o)) for o in items]
            snapshots[(plural, ns, tuple(selector), snap_rv)] = items
            start = 0
        limit = int(q.get("limit", "0") or "0")
        page = items[start:start + limit] if limit > 0 else items[start:]
        meta = {"resourceVersion": str(snap_rv)}
        if limit > 0 and start + limit < len(items):
            meta["continue"] = json.dumps([snap_rv, start + limit]).encode().hex()
            meta["remainingItemCount"] = len(items) - start - limit
    # List items carry neither kind nor apiVersion.
    out_items = []
    for o in page:
        o = dict(o)
        o.pop("kind", None)
        o.pop("apiVersion", None)
        out_items.append(o)
    send_json(conn, 200, {"kind": KINDS[plural][2] + "List", "apiVersion": api_version(plural), "metadata": meta, "items": out_items})
    return True

snapshots = {}

def chunk(conn, data):
    conn.sendall(b"%x\r\n" % len(data) + data + b"\r\n")

def stream_watch(conn, plural, ns, selector, q):
    timeout = int(q.get("timeoutSeconds", "1800") or "1800")
    bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
    rv_param = q.get("resourceVersion", "")
    deadline = time.monotonic() + timeout
    conn.sendall(head(200, [], chunked=True))
    with cond:
        state["watches"] += 1
        epoch = state["watch_epoch"]
        position = len(state["events"])
        pending = []
        if rv_param in ("", "0"):
            for o in sorted(state["objects"][plural].values(), key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"])):
                if matches(plural, ns, selector, o):
                    pending.append(encode({"type": "ADDED", "object": o}))
        else:
            since = int(rv_param)
            if since < state["compacted"]:
                pending.append(encode({"type": "ERROR", "object": status_object(410, "Expired", f"too old resource version: {since} ({state['rv']})")}))
                position = None
            else:
                position = 0
                while position < len(state["events"]) and state["events"][position][0] <= since:
                    position += 1
    try:
        while True:
            for data in pending:
                chunk(conn, data)
            pending = []
            if position is None:
                break
            with cond:
                while True:
                    if state["watch_epoch"] != epoch:
                        epoch = state["watch_epoch"]
                        action = state["epoch_action"]
                        if action == "expire":
                            pending.append(encode({"type": "ERROR", "object": status_object(410, "Expired", f"too old resource version: {rv_param} ({state['rv']})")}))
                            position = None
                            break
                        if action == "bookmark" and bookmarks:
                            pending.append(encode({"type": "BOOKMARK", "object": {"kind": KINDS[plural][2], "apiVersion": api_version(plural), "metadata": {"resourceVersion": str(state["rv"])}}}))
                            break
                        if action == "drop":
                            conn.shutdown(socket.SHUT_RDWR)
                            return False
                    events = state["events"]
                    while position < len(events):
                        rv, p, type_, obj = events[position]
                        position += 1
                        if p == plural and matches(plural, ns, selector, obj):
                            pending.append(encode({"type": type_, "object": obj}))
                    if pending:
                        break
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    cond.wait(min(left, 1.0))
            if not pending and time.monotonic() >= deadline:
                break
        conn.sendall(b"0\r\n\r\n")
    finally:
        with cond:
            state["watches"] -= 1
    return True

# Kinds whose status is a subresource: a write of the object keeps the stored status, a write
# of .../status keeps the stored spec.
WITH_STATUS = {"ingresses", "services"}

def merge_patch(target, patch):
    # RFC 7386: objects merge key by key, null removes, anything else (lists too) replaces.
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = merge_patch(target.get(k), v)
    return target

def as_update(plural, sub, current, obj):
    # What a real kube-apiserver v1.36 stores for an update (PUT, or PATCH once merged): the
    # METADATA AS SENT (labels and annotations left out of the body are erased, on the status
    # subresource too), the stored spec for a status write, the stored status for a write of
    # the object itself.
    obj = json.loads(json.dumps(obj))
    obj.setdefault("metadata", {})["name"] = current["metadata"]["name"]
    if "namespace" in current["metadata"]:
        obj["metadata"]["namespace"] = current["metadata"]["namespace"]
    if sub == "status":
        if "spec" in current:
            obj["spec"] = current["spec"]
        else:
            obj.pop("spec", None)
    elif plural in WITH_STATUS:
        if "status" in current:
            obj["status"] = current["status"]
        else:
            obj.pop("status", None)
    return obj

def apply_object(plural, obj):
    # Called with cond held. Assigns the next resourceVersion and records the event.
    group, version, kind, namespaced = KINDS[plural]
    # kind and apiVersion come first, as the API server writes them.
    obj = dict({"kind": kind, "apiVersion": api_version(plural)}, **{k: v for k, v in json.loads(json.dumps(obj)).items() if k not in ("kind", "apiVersion")})
    meta = obj.setdefault("metadata", {})
    if namespaced:
        meta.setdefault("namespace", "default")
    else:
        meta.pop("namespace", None)
    key = (meta.get("namespace", ""), meta["name"])
    current = state["objects"][plural].get(key)
    state["rv"] += 1
    meta["resourceVersion"] = str(state["rv"])
    if current is None:
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", now_rfc3339())
        meta["generation"] = 1
        type_ = "ADDED"
    else:
        meta["uid"] = current["metadata"]["uid"]
        meta["creationTimestamp"] = current["metadata"]["creationTimestamp"]
        # As the real server: the generation counts changes of the spec only.
        meta["generation"] = current["metadata"].get("generation", 1) + (obj.get("spec") != current.get("spec"))
        type_ = "MODIFIED"
    state["objects"][plural][key] = obj
    state["events"].append((state["rv"], plural, type_, obj))
    cond.notify_all()
    return obj

def delete_object(plural, ns, name):
    obj = state["objects"][plural].pop((ns if KINDS[plural][3] else "", name), None)
    if obj is None:
        return None
    obj = json.loads(json.dumps(obj))
    state["rv"] += 1
    obj["metadata"]["resourceVersion"] = str(state["rv"])
    state["events"].append((state["rv"], plural, "DELETED", obj))
    cond.notify_all()
    return obj

def bump_epoch(action):
    state["watch_epoch"] += 1
    state["epoch_action"] = action
    cond.notify_all()

def open_listener(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    return s

def accept_loop(listener, target):
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=target, args=(conn,), daemon=True).start()

def start_api(port):
    listener = open_listener(port)
    with cond:
        state["listener"] = listener
    threading.Thread(target=accept_loop, args=(listener, serve_api), daemon=True).start()
    return listener.getsockname()[1]

def stop_api():
    with cond:
        listener, state["listener"] = state["listener"], None
        conns = list(state["conns"])
    if listener is not None:
        try:
            listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        listener.close()
    for c in conns:
        try:
            c.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def control_reply(conn, status, obj):
    body = json.dumps(obj).encode()
    conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)

def serve_control(conn):
    try:
        req, _ = read_request(conn, b"")
        if req is not None:
            method, target, headers, body = req
            status, obj = handle_control(method, urlsplit(target).path, json.loads(body) if body else None)
            control_reply(conn, status, obj)
    except Exception as e:
        try:
            control_reply(conn, 500, {"error": repr(e)})
        except OSError:
            pass
    finally:
        conn.close()

def handle_control(method, path, body):
    # POST /objects (one object or a list) | DELETE /objects/KIND/NAMESPACE/NAME (NAMESPACE "-" if cluster-scoped)
    # POST /stop | /start (API listener down / up again, same port, state kept)
    # POST /expire (compact: older resourceVersions get 410; open watches get an ERROR 410 event)
    # POST /bookmark | /drop-watches | /forbid {verb, resource} | /allow | /token {token}
    # GET /requests | /state
    global API_PORT
    if method == "POST" and path == "/objects":
        objs = body if isinstance(body, list) else [body]
        with cond:
            stored = [apply_object(PLURAL_OF[o["kind"]], o) for o in objs]
        return 200, {"resourceVersion": stored[-1]["metadata"]["resourceVersion"] if stored else str(state["rv"])}
    if method == "DELETE" and path.startswith("/objects/"):
        _, _, kind, ns, name = path.split("/")
        with cond:
            gone = delete_object(PLURAL_OF[kind], "" if ns == "-" else ns, name)
        return (200 if gone else 404), {"resourceVersion": str(state["rv"])}
    if path == "/stop":
        stop_api()
        return 200, {}
    if path == "/start":
        with cond:
            running = state["listener"] is not None
        if not running:
            start_api(API_PORT)
        return 200, {}
    if path == "/expire":
        with cond:
            state["compacted"] = state["rv"] + 1
            snapshots.clear()
            bump_epoch("expire")
        return 200, {"compacted": state["compacted"]}
    if path == "/bookmark":
        with cond:
            bump_epoch("bookmark")
        return 200, {}
    if path == "/drop-watches":
        with cond:
            bump_epoch("drop")
        return 200, {}
    if path == "/forbid":
        with cond:
            state["forbidden"].add((body["verb"], body["resource"]))
        return 200, {}
    if path == "/allow":
        with cond:
            state["forbidden"].clear()
        return 200, {}
    if path == "/token":
        with cond:
            state["token"] = body.get("token")
        return 200, {}
    if path == "/requests":
        with cond:
            return 200, list(state["requests"])
    if path == "/state":
        with cond:
            return 200, {"resourceVersion": str(state["rv"]), "watches": state["watches"], "compacted": state["compacted"]}
    return 404, {"error": "unknown control " + path}

if len(sys.argv) > 4:
    TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    TLS.load_cert_chain(sys.argv[3], sys.argv[4])
    if len(sys.argv) > 5:
        TLS.load_verify_locations(sys.argv[5])
        TLS.verify_mode = ssl.CERT_REQUIRED
API_PORT = start_api(int(sys.argv[1]))
control = open_listener(int(sys.argv[2]))
print(f"PORT {API_PORT} CONTROL {control.getsockname()[1]}", flush=True)
accept_loop(control, serve_control)
"""#
}
