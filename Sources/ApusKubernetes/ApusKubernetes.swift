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
