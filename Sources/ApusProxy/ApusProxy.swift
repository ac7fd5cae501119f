// ApusProxy: the data plane.
//
// Job: workers (one event loop each), listeners, downstream connections, routing through
// the published `RouteTable`, upstream pools and balancing, body streaming with
// backpressure, gzip compression of responses, static files, admin endpoints, access
// log, metrics.
// May import: ApusCore, ApusHTTP, ApusNet.
