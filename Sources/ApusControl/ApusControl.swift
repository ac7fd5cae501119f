// ApusControl: the control plane's way from a configuration to what workers serve.
//
// Job: `SnapshotPipeline` (Configuration → resolve endpoint names → compile the route
// table → load certificates → `Snapshot`), which every command builds through (serve at
// start and reload, the controller, both forms of validate); `Snapshot`, the immutable
// value published to the workers (table, TLS catalog, diagnostics); `TLSCatalog`, the
// OpenSSL contexts of a table (server certificates per listener, client contexts per
// HTTPS upstream).
// Blocking work (DNS lookups, reading certificate files) happens here, on control-plane
// threads; the data plane (ApusProxy) only reads the published `Snapshot`.
// May import: ApusCore, ApusNet.
