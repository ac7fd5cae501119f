/// The Kubernetes API test server that `KubeAPIServer` writes to a temp dir and runs (Python 3, stdlib only).
///
/// Checked against a real kube-apiserver v1.36.2 request by request (the differences found and fixed are
/// listed in the commit that made it so): lists with `metadata.resourceVersion` and limit/continue paging,
/// items without kind/apiVersion; bodies over 2048 bytes chunked as Go's net/http sends them; watches as
/// `Transfer-Encoding: chunked` JSON lines whose chunks do NOT follow events (several per chunk, a burst cut
/// at 2048 bytes), ended by `0\r\n\r\n` when `timeoutSeconds` runs out; BOOKMARK events shaped as the
/// kind's empty object, one before the timeout and one ending the initial events; a too-old
/// resourceVersion answered `200` with one ERROR event holding a 410 `Expired` Status (and `410` on an
/// Exact list); 401, 403, 404, 409, 415 and 422 Status objects with the real messages; the status
/// subresource's rules (metadata stored as sent on an update, spec kept on a status write), merge and JSON
/// patches, no-op writes that change no resourceVersion, defaulting, generation and managedFields.
/// Unlike a real server it accepts EndpointSlice addresses in 127.0.0.0/8 so tests can use local backends.
/// A second port takes test commands: objects in and out, stop/start the API listener (state kept),
/// expire (force 410s), bookmarks, dropped watches, 403s by verb and resource, a required token.
enum KubeAPIScript {
    static let source = #"""
import email.utils, json, socket, ssl, sys, threading, time, uuid
from urllib.parse import urlsplit, parse_qs

# A Kubernetes API test server: lists, chunked watches, bookmarks, 410 Gone, Status objects,
# status-subresource and resourceVersion rules, as a real kube-apiserver v1.36 answers an
# HTTP/1.1 client that is not curl (compact JSON plus "\n", Go's header order and chunking).
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
    "configmaps": ("", "v1", "ConfigMap", True),
    "leases": ("coordination.k8s.io", "v1", "Lease", True),
}
PLURAL_OF = {v[2]: k for k, v in KINDS.items()}
USER = "system:serviceaccount:apus-system:apus"
FLOW = "a474a4c2-da20-4da7-9c37-d1891ada68b1"
PRIO = "5c51cff8-e1b9-4a62-91d7-13be95a5f77a"
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 415: "Unsupported Media Type", 410: "Gone", 422: "Unprocessable Entity", 500: "Internal Server Error"}

cond = threading.Condition()
state = {
    "rv": 200, "objects": {k: {} for k in KINDS}, "events": [], "compacted": 0,
    "forbidden": set(), "token": None, "requests": [], "watch_epoch": 0, "epoch_action": None,
    "conns": set(), "listener": None, "watches": 0, "kind_rv": {}, "rbac": None,
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

GO_BUFFER = 2048  # net/http's bufferBeforeChunkingSize

def send_json(conn, status, obj, streamed=False, **kw):
    # Like Go's net/http: a body that fits in 2048 bytes gets a Content-Length; a larger one
    # is chunked: one chunk for a single object, 2048-byte chunks for a list (the API server
    # streams collections, so the buffer fills and flushes every 2048 bytes).
    body = encode(obj)
    if len(body) <= GO_BUFFER:
        conn.sendall(head(status, [], len(body), **kw) + body)
        return
    pieces = [body[i:i + GO_BUFFER] for i in range(0, len(body), GO_BUFFER)] if streamed else [body]
    conn.sendall(head(status, [], chunked=True, **kw) + b"".join(b"%x\r\n" % len(p) + p + b"\r\n" for p in pieces) + b"0\r\n\r\n")

def status_object(code, reason, message, details=None):
    o = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message}
    if reason:
        o["reason"] = reason
    if details is not None:
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

FIELD_LABELS = {"secrets": {"type"}}  # besides metadata.name and metadata.namespace

def parse_selector(plural, text):
    # [(field, op, value)], or raises ValueError with the real server's message.
    terms = []
    for term in [t for t in text.split(",") if t]:
        for op in ("!=", "==", "="):
            if op in term:
                key, _, value = term.partition(op)
                break
        else:
            raise ValueError(f"invalid selector: '{text}'; can't understand '{term}'")
        key = key.strip()
        if key not in {"metadata.name", "metadata.namespace"} | FIELD_LABELS.get(plural, set()):
            raise ValueError(f"field label not supported: {key}")
        terms.append((key, "!=" if op == "!=" else "=", value.strip()))
    return terms

def field_value(obj, key):
    if key.startswith("metadata."):
        return obj["metadata"].get(key[len("metadata."):], "")
    return obj.get(key, "")

def matches(plural, ns, selector, obj):
    if ns is not None and obj["metadata"].get("namespace") != ns:
        return False
    for key, op, value in selector:
        if (field_value(obj, key) == value) != (op == "="):
            return False
    return True

def verb_of(method, name, watch):
    if method == "GET":
        return "watch" if watch else ("get" if name else "list")
    return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, method.lower())

def rbac_allows(verb, group, plural, sub, ns):
    # Called with cond held. state["rbac"]: None (everything allowed) or the rules of the
    # ServiceAccount's ClusterRole and Role ({"apiGroups", "resources", "verbs"[, "namespace"]}).
    rules = state["rbac"]
    if rules is None:
        return True
    resource = plural + (f"/{sub}" if sub else "")
    return any(group in r["apiGroups"] and resource in r["resources"] and verb in r["verbs"]
               and r.get("namespace") in (None, ns) for r in rules)

def forbidden_message(plural, group, ns, name, verb, sub, user=USER):
    display = plural + (f".{group}" if group else "")
    resource = plural + (f"/{sub}" if sub else "")
    subject = f'{display} "{name}"' if name else display
    scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
    details = {"name": name} if name else {}
    if group:
        details["group"] = group
    details["kind"] = plural
    return f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource}" in API group "{group}" {scope}', details

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
    anonymous = token is not None and not auth
    if token is not None and auth and auth != f"Bearer {token}":
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
        denied = anonymous or (verb, plural) in state["forbidden"] or not rbac_allows(verb, group, plural, sub, ns)
    if denied:
        # No Authorization header: a real server treats the request as system:anonymous.
        message, details = forbidden_message(plural, group, ns, name, verb, sub, "system:anonymous" if anonymous else USER)
        send_status(conn, 403, "Forbidden", message, details)
        return True
    if ns is None and KINDS[plural][3] and (name or method == "POST"):
        send_status(conn, 404, "NotFound", "the server could not find the requested resource", {})
        return True
    try:
        selector = parse_selector(plural, q.get("fieldSelector", ""))
        for k in ("limit", "timeoutSeconds"):
            if q.get(k):
                int(q[k])
    except ValueError as e:
        message = str(e)
        if message.startswith("invalid literal"):
            message = f'strconv.ParseInt: parsing "{q.get("limit") or q.get("timeoutSeconds")}": invalid syntax'
        send_status(conn, 400, "BadRequest", message)
        return True
    if sub is not None and not (sub == "status" and plural in WITH_STATUS):
        send_status(conn, 404, "NotFound", "the server could not find the requested resource", {})
        return True
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
        ctype = headers.get("content-type", "").split(";")[0].strip()
        if method == "PATCH" and ctype not in ("application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json"):
            send_status(conn, 415, "UnsupportedMediaType", "415: Unsupported Media Type", {})
            return True
        try:
            obj = json.loads(body)
        except ValueError as e:
            send_status(conn, 400, "BadRequest", f"error decoding patch: {e}" if method == "PATCH" else f"the body of the request was in an unknown format: {e}")
            return True
        if not isinstance(obj, list if ctype == "application/json-patch+json" and method == "PATCH" else dict):
            send_status(conn, 400, "BadRequest", "the body is not a JSON " + ("array" if isinstance(obj, dict) else "object"))
            return True
        if method == "POST":
            body_ns = obj.get("metadata", {}).get("namespace")
            if ns and body_ns and body_ns != ns:
                send_status(conn, 400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request")
                return True
            if obj.get("metadata", {}).get("resourceVersion"):
                send_status(conn, 500, "", "resourceVersion should not be set on objects to be created")
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
                if method == "PATCH" and ctype == "application/json-patch+json":
                    try:
                        obj = json_patch(json.loads(json.dumps(current)), obj)
                    except (KeyError, IndexError, ValueError, TypeError) as e:
                        send_status(conn, 422, "Invalid", f"the server rejected our request due to an error in our request: {e}")
                        return True
                elif method == "PATCH":
                    obj = merge_patch(json.loads(json.dumps(current)), obj)
                wanted = obj.get("metadata", {}).get("resourceVersion")
                if wanted and wanted != current["metadata"]["resourceVersion"]:
                    send_status(conn, 409, "Conflict", f'Operation cannot be fulfilled on {plural}{"." + group if group else ""} "{key[1]}": the object has been modified; please apply your changes to the latest version and try again', {"name": key[1], "group": group, "kind": plural})
                    return True
                obj = as_update(plural, sub, current, obj)
            invalid = validate(plural, obj)
            if invalid:
                send_status(conn, 422, "Invalid", f'{KINDS[plural][2]}.{KINDS[plural][0] or "core"} "{obj["metadata"].get("name")}" is invalid: {invalid}')
                return True
            if current is not None and method != "POST" and unchanged(plural, current, obj):
                stored = current  # a no-op write: same resourceVersion, no event
            else:
                stored = apply_object(plural, obj, sub, headers.get("user-agent", "unknown").split("/")[0])
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
        if token and rv_param:
            send_status(conn, 400, "BadRequest", "specifying resource version is not allowed when using continue")
            return True
        if token:
            try:
                snap_rv, start = json.loads(bytes.fromhex(token).decode())
            except ValueError:
                send_status(conn, 400, "BadRequest", "invalid continue token: continue key is not valid")
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
    send_json(conn, 200, {"kind": KINDS[plural][2] + "List", "apiVersion": api_version(plural), "metadata": meta, "items": out_items}, streamed=True)
    return True

snapshots = {}

def chunk(conn, data):
    conn.sendall(b"%x\r\n" % len(data) + data + b"\r\n")

def go_chunks(writes):
    # What Go's net/http makes of several writes followed by one Flush: a 2048-byte buffer
    # that is sent as a chunk whenever it fills (a write larger than an empty buffer goes out
    # whole), then the rest. Events are NOT aligned to chunks.
    out, buf = [], b""
    for p in writes:
        while p and len(p) > GO_BUFFER - len(buf):
            if not buf:
                out.append(p)
                p = b""
                break
            n = GO_BUFFER - len(buf)
            out.append(buf + p[:n])
            buf, p = b"", p[n:]
        buf += p
    if buf:
        out.append(buf)
    return out

# The object of a BOOKMARK: the kind's zero value (Go's empty struct, with its
# non-omitempty fields) holding only a resourceVersion.
BOOKMARK_BODY = {"ingresses": {"spec": {}, "status": {"loadBalancer": {}}}, "services": {"spec": {}, "status": {"loadBalancer": {}}},
                 "ingressclasses": {"spec": {}}, "leases": {"spec": {}}, "secrets": {}, "configmaps": {},
                 "endpointslices": {"addressType": "", "endpoints": None, "ports": None}}

def bookmark(plural, rv, initial_end=False):
    meta = {"resourceVersion": str(rv)}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    return encode({"type": "BOOKMARK", "object": dict({"kind": KINDS[plural][2], "apiVersion": api_version(plural), "metadata": meta}, **BOOKMARK_BODY[plural])})

def stream_watch(conn, plural, ns, selector, q):
    timeout = int(q.get("timeoutSeconds", "1800") or "1800")
    if q.get("resourceVersion", "") not in ("",) and not q["resourceVersion"].isdigit():
        v = q["resourceVersion"]
        send_json(conn, 500, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": f'resourceVersion: Invalid value: "{v}": strconv.ParseUint: parsing "{v}": invalid syntax', "code": 500})
        return True
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
            since = state["rv"]
            if bookmarks:  # v1.36 ends the initial ADDED events with this bookmark
                pending.append(bookmark(plural, since, initial_end=True))
        else:
            since = int(rv_param)
            if since < state["compacted"]:
                pending.append(encode({"type": "ERROR", "object": status_object(410, "Expired", f"too old resource version: {since} ({state['rv']})")}))
                position = None
            else:
                position = 0
                while position < len(state["events"]) and state["events"][position][0] <= since:
                    position += 1
    # Like the real watch cache: a bookmark 2 s before timeoutSeconds runs out, when the kind
    # has changed since the watch's resourceVersion.
    bookmark_at = deadline - 2 if bookmarks else None
    try:
        while True:
            for data in go_chunks(pending):
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
                            pending.append(bookmark(plural, state["rv"]))
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
                    if bookmark_at is not None and time.monotonic() >= bookmark_at:
                        bookmark_at = None
                        if state["kind_rv"].get(plural, 0) > since:
                            pending.append(bookmark(plural, state["kind_rv"][plural]))
                    if pending:
                        break
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    cond.wait(min(left, 1.0, max(0.01, bookmark_at - time.monotonic()) if bookmark_at is not None else 1.0))
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

def json_patch(doc, ops):
    # RFC 6902 add / replace / remove / test, enough for status writes.
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1]
        if isinstance(parent, list):
            last = len(parent) if last == "-" else int(last)
        kind = op["op"]
        if kind == "test":
            if parent[last] != op["value"]:
                raise ValueError(f"testing value {op['path']} failed")
        elif kind == "remove":
            del parent[last]
        elif kind == "replace":
            parent[last]  # must exist
            parent[last] = op["value"]
        elif kind == "add":
            if isinstance(parent, list):
                parent.insert(last, op["value"])
            else:
                parent[last] = op["value"]
        else:
            raise ValueError(f"unsupported operation {kind}")
    return doc

MICRO_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$"

def validate(plural, obj):
    # The one check a real server makes that a controller write can fail: Lease MicroTimes
    # must carry exactly six fractional digits (RFC3339Micro).
    import re
    if plural == "leases":
        for field in ("acquireTime", "renewTime"):
            value = obj.get("spec", {}).get(field)
            if value is not None and not (isinstance(value, str) and re.match(MICRO_TIME, value)):
                return f'spec.{field}: Invalid value: "{value}": parsing time as "2006-01-02T15:04:05.000000Z07:00"'
    return None

def unchanged(plural, current, obj):
    a = normalize(plural, dict({"kind": KINDS[plural][2], "apiVersion": api_version(plural)}, **json.loads(json.dumps(obj))), current)
    a["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
    a["metadata"].pop("managedFields", None)
    b = json.loads(json.dumps(current))
    b["metadata"].pop("managedFields", None)
    return a == b

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

# Kinds with metadata.generation, and what bumps it (Services, Secrets and Leases have none).
GENERATION_FIELDS = {"ingresses": ("spec",), "ingressclasses": ("spec",), "endpointslices": ("addressType", "endpoints", "ports")}
META_ORDER = ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
              "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields"]
TOP_ORDER = {"endpointslices": ["kind", "apiVersion", "metadata", "addressType", "endpoints", "ports"],
             "secrets": ["kind", "apiVersion", "metadata", "immutable", "data", "stringData", "type"]}
SERVICE_SPEC_ORDER = ["ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity", "loadBalancerIP",
                      "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy", "healthCheckNodePort",
                      "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies", "ipFamilyPolicy",
                      "allocateLoadBalancerNodePorts", "loadBalancerClass", "internalTrafficPolicy", "trafficDistribution"]

def ordered(d, order):
    return {**{k: d[k] for k in order if k in d}, **{k: v for k, v in d.items() if k not in order}}

def fields_of(value, path=()):
    # A FieldsV1 set in the real server's spelling (keyed lists as k:{...}), enough to make
    # clients skip what they do not read.
    if isinstance(value, dict):
        out = {".": {}} if path and path[-1] in ("labels", "annotations", "selector", "data") else {}
        for k, v in value.items():
            out["f:" + k] = fields_of(v, path + (k,))
        return out
    if isinstance(value, list) and path[-2:] == ("spec", "ports"):
        out = {".": {}}
        for port in value:
            if isinstance(port, dict):
                key = json.dumps({"port": port.get("port"), "protocol": port.get("protocol", "TCP")}, separators=(",", ":"))
                out["k:" + key] = dict({".": {}}, **fields_of(port, path + ("*",)))
        return out
    return {}

def sorted_fields(f):
    # Go writes map keys sorted.
    return {k: sorted_fields(f[k]) for k in sorted(f)}

def defaults(plural, obj, current):
    if plural == "services":
        spec = obj.setdefault("spec", {})
        kind = spec.setdefault("type", "ClusterIP")
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            if kind != "ExternalName":
                port.setdefault("targetPort", port.get("port"))
            if kind in ("NodePort", "LoadBalancer") and "nodePort" not in port:
                state["node_port"] = state.get("node_port", 30000) + 1
                port["nodePort"] = state["node_port"]
            spec["ports"] = [ordered(p, ["name", "protocol", "appProtocol", "port", "targetPort", "nodePort"]) for p in spec["ports"]]
        spec.setdefault("sessionAffinity", "None")
        if kind != "ExternalName":
            old = (current or {}).get("spec", {})
            if "clusterIP" not in spec:
                if old.get("clusterIP"):
                    spec["clusterIP"] = old["clusterIP"]
                else:
                    state["cluster_ip"] = state.get("cluster_ip", 9) + 1
                    spec["clusterIP"] = f"10.96.{state['cluster_ip'] // 250}.{state['cluster_ip'] % 250 + 1}"
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
            if spec["clusterIP"] != "None":
                spec.setdefault("ipFamilies", ["IPv4"])
                spec.setdefault("ipFamilyPolicy", "SingleStack")
            spec.setdefault("internalTrafficPolicy", "Cluster")
            if kind in ("NodePort", "LoadBalancer"):
                spec.setdefault("externalTrafficPolicy", "Cluster")
            if kind == "LoadBalancer":
                spec.setdefault("allocateLoadBalancerNodePorts", True)
        obj["spec"] = ordered(spec, SERVICE_SPEC_ORDER)
    if plural in ("services", "ingresses"):
        lb = obj.setdefault("status", {}).setdefault("loadBalancer", {})
        if not lb.get("ingress"):
            lb.pop("ingress", None)  # an empty list is stored as nothing (omitempty)
    if plural == "endpointslices":
        for ep in obj.get("endpoints") or []:
            ep.setdefault("conditions", {})
        for port in obj.get("ports") or []:
            port.setdefault("name", "")
            port.setdefault("protocol", "TCP")
        obj["ports"] = [ordered(p, ["name", "protocol", "port", "appProtocol"]) for p in obj["ports"]] if obj.get("ports") else None
        obj["endpoints"] = [ordered(e, ["addresses", "conditions", "hostname", "targetRef", "nodeName", "zone", "hints"]) for e in obj["endpoints"]] if obj.get("endpoints") else None
    if plural == "secrets":
        obj.setdefault("type", "Opaque")
    return obj

def normalize(plural, obj, current, subresource=None, manager="e2e-test"):
    # Called with cond held: defaults, uid, creationTimestamp, generation, managedFields and
    # the real server's key order. The resourceVersion stays the current one.
    obj = defaults(plural, obj, current)
    meta = obj["metadata"]
    if current is None:
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", now_rfc3339())
    else:
        meta["uid"] = current["metadata"]["uid"]
        meta["creationTimestamp"] = current["metadata"]["creationTimestamp"]
        meta["resourceVersion"] = current["metadata"]["resourceVersion"]
    if plural in GENERATION_FIELDS:
        changed = current is None or any(obj.get(f) != current.get(f) for f in GENERATION_FIELDS[plural])
        meta["generation"] = 1 if current is None else current["metadata"].get("generation", 1) + changed
    else:
        meta.pop("generation", None)
    written = {"f:status": fields_of(obj.get("status", {}), ("status",))} if subresource == "status" else \
        {k: v for k, v in fields_of({k: v for k, v in obj.items() if k not in ("kind", "apiVersion", "metadata", "status")}).items()}
    if subresource != "status":
        labels = {k: meta[k] for k in ("labels", "annotations") if meta.get(k)}
        if labels:
            written["f:metadata"] = fields_of(labels, ("metadata",))
    entries = [e for e in (current or {}).get("metadata", {}).get("managedFields", []) if (e["manager"], e.get("subresource")) != (manager, subresource)]
    entry = {"manager": manager, "operation": "Update", "apiVersion": api_version(plural), "time": now_rfc3339(), "fieldsType": "FieldsV1", "fieldsV1": written}
    if subresource:
        entry["subresource"] = subresource
    entry["fieldsV1"] = sorted_fields(written)
    meta["managedFields"] = entries + [entry]
    obj["metadata"] = ordered(meta, META_ORDER)
    return ordered(obj, TOP_ORDER.get(plural, ["kind", "apiVersion", "metadata", "spec", "status"]))

def apply_object(plural, obj, subresource=None, manager="e2e-test"):
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
    obj = normalize(plural, obj, current, subresource, manager)
    state["rv"] += 1
    obj["metadata"]["resourceVersion"] = str(state["rv"])
    obj["metadata"] = ordered(obj["metadata"], META_ORDER)
    type_ = "ADDED" if current is None else "MODIFIED"
    state["objects"][plural][key] = obj
    state["kind_rv"][plural] = state["rv"]
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
    state["kind_rv"][plural] = state["rv"]
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
    if path == "/rbac":  # body: the rules list, or null for "allow everything"
        with cond:
            state["rbac"] = body
        return 200, {}
    if path == "/tick":  # advance the resourceVersion without an event, as a cluster's leases do
        with cond:
            state["rv"] += 1
        return 200, {"resourceVersion": str(state["rv"])}
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
