// ApusNet: the event loop and the OS.
//
// Job: one epoll loop per worker thread, timers, eventfd wake-ups, non-blocking sockets,
// signals, and (next issue) TLS streams over OpenSSL. Knows nothing of HTTP.
// May import: the C targets.
