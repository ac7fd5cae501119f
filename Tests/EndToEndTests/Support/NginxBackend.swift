import Foundation

/// A real nginx serving static files from `<dir>/nginx-root` as an upstream, logging one line per
/// request with its connection serial number so tests can count the connections it saw.
final class NginxBackend: Sendable {
    let port: Int
    let child: ChildProcess
    let dir: TempDirectory
    /// Files served are written here (`root` of the nginx server).
    let root: String

    var endpoint: String { "127.0.0.1:\(port)" }

    /// Resident set size in KiB (nginx runs as one process here, so this is all of it).
    func residentKiB() -> Int? { EndToEndTests.residentKiB(ofProcess: child.pid) }

    private init(port: Int, child: ChildProcess, dir: TempDirectory, root: String) {
        self.port = port
        self.child = child
        self.dir = dir
        self.root = root
    }

    /// Starts `nginx -g 'daemon off;'` on a free port with a config written into `dir`.
    /// `master_process off` keeps it one process, so the harness's SIGKILL leaves no orphan workers.
    /// With `tls`, nginx speaks HTTPS with that certificate; with `clientCA` too, it demands
    /// a client certificate signed by that CA and reports the result in `X-Client-Verify`.
    /// With `http2`, it speaks HTTP/2: h2c with prior knowledge, or ALPN h2 under `tls`.
    static func start(in dir: TempDirectory, workerConnections: Int = 256, tls: TLSTestCertificates.Pair? = nil,
                      clientCA: String? = nil, http2: Bool = false) async throws -> NginxBackend {
        let port = try PortAllocator.freePort()
        let root = dir.file("nginx-root")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("nginx-temp"), withIntermediateDirectories: true)
        let config = try dir.write("nginx.conf", """
        master_process off;
        pid \(dir.file("nginx.pid"));
        error_log \(dir.file("nginx-error.log")) warn;
        events { worker_connections \(workerConnections); }
        http {
            include /etc/nginx/mime.types;
            client_body_temp_path \(dir.file("nginx-temp"));
            proxy_temp_path \(dir.file("nginx-temp"));
            fastcgi_temp_path \(dir.file("nginx-temp"));
            uwsgi_temp_path \(dir.file("nginx-temp"));
            scgi_temp_path \(dir.file("nginx-temp"));
            log_format conn '$connection $request_method $request_uri $status';
            access_log \(dir.file("nginx-access.log")) conn;
            keepalive_requests 10000;
            keepalive_timeout 120s;
            server {
                listen 127.0.0.1:\(port)\(tls == nil ? "" : " ssl")\(http2 ? " http2" : "");
                root \(root);
                add_header X-Backend nginx always;
                \(http2 ? "location = /protocol { return 200 \"$server_protocol $http_te\"; }" : "")
                \(tls.map { "ssl_certificate \($0.cert); ssl_certificate_key \($0.key); ssl_protocols TLSv1.2 TLSv1.3; add_header X-TLS-Protocol $ssl_protocol always;" } ?? "")
                \(clientCA.map { "ssl_client_certificate \($0); ssl_verify_client on; add_header X-Client-Verify $ssl_client_verify always; add_header X-Client-Subject $ssl_client_s_dn always;" } ?? "")
            }
        }
        """)
        let child = try ChildProcess(executable: "/usr/sbin/nginx", arguments: ["-c", config, "-p", dir.path, "-g", "daemon off;"],
                                     stdoutPath: dir.file("nginx.stdout"), stderrPath: dir.file("nginx.stderr"))
        let ready = await eventually(timeout: .seconds(10)) { !child.isRunning || RawConnection.accepts(port: port) }
        guard ready, child.isRunning else {
            await child.kill()
            throw HarnessError("nginx did not start on \(port): \(child.stderrTail()) \(dir.read("nginx-error.log"))")
        }
        return NginxBackend(port: port, child: child, dir: dir, root: root)
    }

    /// (connection serial, method, uri, status) for each request logged so far.
    func accessLog() -> [(connection: String, method: String, uri: String, status: Int)] {
        dir.read("nginx-access.log").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 4, let status = Int(fields[3]) else { return nil }
            return (String(fields[0]), String(fields[1]), String(fields[2]), status)
        }
    }
}

extension Scenario {
    /// Starts a real nginx upstream (killed at the end of the test like every other child).
    func nginx(workerConnections: Int = 256, tls: TLSTestCertificates.Pair? = nil, clientCA: String? = nil,
               http2: Bool = false) async throws -> NginxBackend {
        let nginx = try await NginxBackend.start(in: dir, workerConnections: workerConnections, tls: tls, clientCA: clientCA, http2: http2)
        track(nginx.child)
        return nginx
    }
}
