// ApusCore: the control plane's pure heart.
//
// Job: the `Configuration` model (plain values, from a YAML file or Kubernetes), the
// `RouteTableCompiler` that turns it into an immutable `RouteTable` plus `Diagnostic`s,
// the matcher workers call per request (hosts, Exact/Prefix/Regex paths), and the
// load-balancing policies. No I/O, no sockets, no threads.
// May import: CPCRE2 and CShims (regexes compile with PCRE2 JIT here; workers only match),
// and Glibc for inet_pton/inet_ntop (pure address parsing, no I/O).
