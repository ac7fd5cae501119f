// ApusHTTP: HTTP/1.1 bytes ⇄ values (RFC 9110 / 9112), strict.
//
// Job: request and response head parsers, the chunked codec, head serializers with
// hop-by-hop stripping and forwarding headers, path normalization. Pure functions on
// bytes: no I/O, no Foundation, no allocation per request once the reusable values
// (`RequestHead.headers`, the `HeadBuffer`s heads are written into) have grown. Every parser here is fuzzed (Fuzz/).
// May import: nothing but the standard library.
