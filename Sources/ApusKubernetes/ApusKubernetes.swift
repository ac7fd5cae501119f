// ApusKubernetes: Kubernetes objects in, a `Configuration` out.
//
// Job: slim value models of the objects the controller follows (IngressClass, Ingress,
// Service, EndpointSlice, TLS Secret), their decoders from the API's JSON and from YAML
// manifests (one path through `ObjectTree`), and `IngressTranslator`, which turns a
// `ClusterSnapshot` into the same `Configuration` the YAML file source produces, with a
// report per object of what is served and what is dropped and why.
// Network half: `KubernetesClient` (kubeconfig or in-cluster, plain or TLS through ApusNet's
// OpenSSL layer, blocking sockets with deadlines on control-plane threads, `send` and a
// chunked `watch`), typed `KubernetesError`s, and one `Informer` per kind feeding a shared
// `ClusterStore`. `StatusOptions` carries what the status writer needs; `LeaderElector`
// (a coordination.k8s.io Lease) and `IngressStatusWriter` act on it, and
// `ControllerPermissions` lists the RBAC every request needs (conf/kubernetes/10-rbac.yaml).
// May import: ApusCore (the model, diagnostics), ApusHTTP (response head, chunked decoder),
// ApusNet (sockets, OpenSSL), Yams, and Foundation for JSONSerialization and base64
// (control plane only).
//
// Decisions (where the issue was silent):
// - TLS Secrets stay in memory: `CertificateConfig.pem` carries the PEM text to OpenSSL
//   (BIO, no file), because the controller's root filesystem is read-only and a key file
//   could outlive its Secret. Each Secret is loaded once during translation, so a broken
//   one falls back to the default certificate for its hosts instead of failing the table.
// - An annotation under `apus.dev/` or `nginx.ingress.kubernetes.io/` that is unknown, has
//   a bad value, or needs a feature Apus lacks (GRPC/FCGI backends) refuses the whole
//   Ingress; snippets are dropped with a warning (annotations.md); other prefixes are
//   someone else's and ignored.
// - rewrite-target replaces the whole path (nginx `rewrite` semantics) with `$0`..`$9` from
//   the path's regex, query kept; under the nginx name it implies use-regex for the host.
//   A path whose regex lacks a group the template names is dropped with an error (served
//   unrewritten would be half-applied). The default backend is never rewritten.
// - ssl-redirect (308) is on by default for the hosts served over TLS as their own (a rule
//   host of an Ingress with a TLS section that an entry lists, or an entry without hosts, or
//   a usable certificate of the section names), host-wide; not for other hosts, which have
//   no certificate to be sent to; "false" turns it off, force-ssl-redirect on for every host.
//   The same in both dialects. proxy-body-size sets `max_body_size` on each of its paths.
// - `--hsts` (ingress-nginx's ConfigMap keys hsts and hsts-*) goes on the same hosts, as
//   ingress-nginx sends it where a certificate is configured for the host.
// - A canary Ingress (`canary: "true"`) makes no paths: each of its paths becomes the
//   `canary` of the path the other Ingresses serve on the same host with the same match
//   (oldest canary wins; one without a main path is reported), and of its server-alias
//   copies. Only its upstream-shaping annotations act.
// - Upstreams are `namespace/service:port`; annotations that change upstream settings
//   (timeouts, TLS, balancing) give the Ingress its own `namespace/service:port@ingress`.
// - spec.defaultBackend becomes `Prefix /` on every host without one (hosts never fall
//   through in Apus), from the host's oldest Ingress with a defaultBackend, else from the
//   oldest Ingress overall, which is also the catch-all for unnamed hosts.
// - ExternalName Services become an endpoint `externalName:port` (the Service's port), which
//   the control plane resolves before compiling and again every 30 s
//   (`EndpointNameResolution`); FQDN EndpointSlices answer 503 with a diagnostic.
// - `send` returns every HTTP answer except 401 and 403, which always throw: they are never
//   part of a normal flow, and the 403 error names the verb, resource, group and scope of the
//   missing RBAC rule. Informers treat any failure alike: log, keep the last objects (and so
//   the last table), back off (jittered, 0.5 s doubling to 30 s), resume from the last
//   resourceVersion; 410 relists and replaces a kind's objects only once the new list is whole.
// - One connection per request (`Connection: close`): a handful of long watches and rare
//   lists do not need pooling, and a dead keep-alive connection cannot hide an outage.
// - A token file is re-read when its inode, size or mtime change, after a 401, and at least
//   once a minute; kubeconfig exec/auth-provider plugins are refused with a message.
