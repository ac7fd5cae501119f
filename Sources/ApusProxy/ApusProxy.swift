// ApusProxy: the data plane.
//
// Job: workers (one event loop each), listeners, downstream connections, routing through
// the published `Snapshot`, upstream pools and balancing, body streaming with
// backpressure, gzip compression of responses, static files, admin endpoints, access
// log, metrics.
// May import: ApusControl (the `Snapshot` type), ApusCore, ApusHTTP, ApusHTTP2, ApusNet.
//
// Layers, bottom up; each file holds one:
//
// - Transport (ApusNet `Transport`): a socket, plaintext or TLS, with its readiness.
//   `DownstreamConnection` (Downstream/) and `UpstreamConnection` (Upstream/) each own one.
// - HTTP/2 (HTTP2/): a downstream connection that turned HTTP/2 holds an `HTTP2Downstream`
//   (the libnghttp2 session and its streams); each stream is a `DownstreamConnection` of
//   its own whose transport's layer is an `HTTP2StreamPipe`, so the exchange above reads
//   and writes HTTP/1.1 bytes and the pipe turns them into the stream's frames.
//   `Worker+HTTP2` feeds the session, opens and closes streams and flushes its output.
// - Relay (Relay/): the one pump. `Relay.swift` moves a head (`PendingBytes`) and a framed
//   body (`BodyCursor`) from a source transport to a sink transport with backpressure both
//   ways; `TunnelState` is a tunnel's two directions.
// - Exchange (Exchange/): `ExchangeMachine.swift` is one request's life as a pure state
//   machine (events in, actions out, no syscalls, no clock): retries, framing, keep-alive,
//   linger and deadlines. `+Response` plans a response's framing, `+Upstream` judges an
//   upstream failure. `Exchange.swift` holds the per-request bytes and cursors the worker
//   moves (pooled); `Worker+Exchange.swift` carries the machine's actions out and mirrors
//   its deadlines into the timer wheel.
// - Worker (Worker/): the loop's owner. `Worker.swift` runs epoll, dispatches events and
//   owns the pools and buffers; `+Accept`, `+Timers`, `+Table` (adopting a snapshot) and
//   `+Downstream` (handshake, heads, keep-alive, linger, close) are the connection's own
//   life; `+Request` routes a parsed head; `+LocalResponse`, StaticFiles/ and Admin/ answer
//   locally; Forwarding/ proxies (`+Proxy` picks an endpoint and connects, `+Forwarding`
//   relays request and response, `+GzipResponse` compresses, `+Tunnel` upgrades);
//   Upstream/ holds endpoints, their passive health and the connection pool.
// - Control/: what crosses threads: `ProxyServer` starts the workers, `ProxyState` and
//   `SnapshotPublisher` hand them each new snapshot.
// - Metrics/: each worker counts answers into its `RequestSeriesTable` (route, method and
//   status to counters, no lock) and its `WorkerCounters`, and adds them to the process's
//   `MetricsRegistry` once a second; the registry renders `/metrics`.
