// ApusKubernetes: Kubernetes objects in, a `Configuration` out.
//
// Job: slim value models of the objects the controller follows (IngressClass, Ingress,
// Service, EndpointSlice, TLS Secret), their decoders from the API's JSON and from YAML
// manifests (one path through `ObjectTree`), and `IngressTranslator`, which turns a
// `ClusterSnapshot` into the same `Configuration` the YAML file source produces, with a
// report per object of what is served and what is dropped and why.
// May import: ApusCore (the model, diagnostics), ApusNet (OpenSSL, to check TLS Secrets),
// Yams, and Foundation for JSONSerialization and base64 (control plane only).
// Later (network half): the API client, informers, status writer and leader election.
//
// Decisions (where the issue was silent):
// - TLS Secrets stay in memory: `CertificateConfig.pem` carries the PEM text to OpenSSL
//   (BIO, no file), because the controller's root filesystem is read-only and a key file
//   could outlive its Secret. Each Secret is loaded once during translation, so a broken
//   one falls back to the default certificate for its hosts instead of failing the table.
// - An annotation under `apus.dev/` or `nginx.ingress.kubernetes.io/` that is unknown, has
//   a bad value, or needs a feature Apus lacks (rewrite-target, proxy-body-size,
//   ssl-redirect/force-ssl-redirect "true", GRPC/FCGI backends) refuses the whole
//   Ingress; snippets are dropped with a warning (annotations.md); other prefixes are
//   someone else's and ignored.
// - Upstreams are `namespace/service:port`; annotations that change upstream settings
//   (timeouts, TLS, balancing) give the Ingress its own `namespace/service:port@ingress`.
// - spec.defaultBackend becomes `Prefix /` on every host without one (hosts never fall
//   through in Apus), from the host's oldest Ingress with a defaultBackend, else from the
//   oldest Ingress overall, which is also the catch-all for unnamed hosts.
// - ExternalName Services and FQDN EndpointSlices answer 503 with a diagnostic: upstream
//   endpoints are IP literals until Apus resolves DNS names.
