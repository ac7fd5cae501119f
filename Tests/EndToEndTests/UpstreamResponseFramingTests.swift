import Testing

/// Every way an upstream may legally frame a response reaches the client intact: trickled heads,
/// close-delimited bodies, 1xx before the final response, trailers, repeated headers.
@Suite struct UpstreamResponseFramingTests {
    /// Each upstream response shape arrives complete and correctly framed for the client. (Re-chunking a
    /// close-delimited body or closing the client connection after it are both legal, so either passes.)
    @Test(.timeLimit(.endToEnd(3))) func legalFramings() async throws {
        try await withScenario { s in
            let backend = try await s.backend("framing")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let cases: [(path: String, body: [UInt8])] = [
                ("/trickle-head", Array("trickled".utf8)),
                ("/eof-body", BackendScript.pattern(300_000)),
                ("/early-hints", Array("after hints\n".utf8)),
                ("/trailers", Array("hello world".utf8)),
            ]
            for c in cases {
                let connection = try await RawConnection.connect(port: port)
                try await connection.send("GET \(c.path) HTTP/1.1\r\nHost: f.test\r\n\r\n")
                var response = try await connection.readResponse(timeout: .seconds(5))
                while let interim = response, interim.status >= 100, interim.status < 200 {
                    response = try await connection.readResponse(timeout: .seconds(5))
                }
                #expect(response?.status == 200, "\(c.path): \(response.map(String.init(describing:)) ?? "no response")")
                #expect(response?.body == c.body, "\(c.path): \(response?.body.count ?? 0) body bytes, expected \(c.body.count)")
                if c.path != "/eof-body" {
                    #expect(response?.endedByClose == false, "\(c.path): the body was delimited by closing the client connection")
                }
            }
        }
    }

    /// 50 Set-Cookie headers all reach the client, in order.
    @Test(.timeLimit(.endToEnd(3))) func repeatedResponseHeaders() async throws {
        try await withScenario { s in
            let backend = try await s.backend("cookies")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let response = try await HTTPClient.request(port: port, path: "/many-cookies")
            #expect(response.headerValues("Set-Cookie") == (0..<50).map { "c\($0)=v\($0); Path=/" })
        }
    }
}
