// ApusHTTP2: the HTTP/2 codec (RFC 9113) around libnghttp2, with no I/O.
//
// Job: framing, HPACK, flow-control state and the protocol's own defences are
// libnghttp2's (fed through its memory-based receive and send); this module adds what
// Apus decides: the settings it offers, the limits it enforces on header lists, and the
// translation of a stream's request head to the HTTP/1.1 head the rest of the proxy
// already parses, routes and forwards. Bytes in, events and bytes out; the worker owns
// the socket and the clock.
// May import: ApusHTTP, CNghttp2.
