// ApusControl: the control plane's way from a configuration to what workers serve.
//
// - `SnapshotPipeline`: Configuration → resolve endpoint names → compile the route table →
//   load certificates → `Snapshot`. Every command builds through it.
// - `Snapshot`: the immutable value published to the workers (table, TLS catalog,
//   diagnostics).
// - `TLSCatalog`: the OpenSSL contexts of a table (server certificates per listener,
//   client contexts per HTTPS upstream).
//
// Blocking work (DNS lookups, reading certificate files) happens here, on control-plane
// threads; the data plane (ApusProxy) only reads the published `Snapshot`.
