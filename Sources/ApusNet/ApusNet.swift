// ApusNet: the event loop and the OS.
//
// Job: one epoll loop per worker thread, timers, eventfd wake-ups, non-blocking sockets
// (`Transport`: one connected socket, plaintext or TLS, with its readiness and the
// short-read and short-write rules), signals, TLS streams over OpenSSL, and zlib's deflate
// (gzip) as a resource owner.
// Knows nothing of HTTP.
// May import: the C targets.
