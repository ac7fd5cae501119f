import ApusConfigFile
import ApusCore
import Testing

@Suite struct HTTP2SchemaTests {
    /// HTTPS listeners serve HTTP/2 unless told not to; plaintext ones only with `h2c`.
    @Test func listenersServeHTTP2AsTheySay() throws {
        let yaml = """
        listeners:
          - { listen: 0.0.0.0:8443, tls: { certificates: [{ cert: a.crt, key: a.key }] } }
          - { listen: 0.0.0.0:9443, http2: false, tls: { certificates: [{ cert: a.crt, key: a.key }] } }
          - { listen: 0.0.0.0:8080 }
          - { listen: 0.0.0.0:8081, h2c: true }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(!diagnostics.contains { $0.severity == .error }, "\(diagnostics)")
        #expect(parsed?.listeners.map(\.servesHTTP2) == [true, false, false, true])
        let (_, both) = ConfigFileParser.parse("""
        listeners: [{ listen: 0.0.0.0:8443, h2c: true, tls: { certificates: [{ cert: a.crt, key: a.key }] } }]
        """, path: ConfigFileTestSupport.path)
        #expect(both.contains { $0.severity == .error && $0.message.contains("h2c is HTTP/2 in plaintext") }, "\(both)")
    }

    @Test func settingsHaveDefaultsAndBounds() throws {
        let (defaults, _) = ConfigFileParser.parse("listeners: [{ listen: 0.0.0.0:8080 }]", path: ConfigFileTestSupport.path)
        #expect(defaults?.http2 == HTTP2Config())
        #expect(HTTP2Config().maxConcurrentStreams == 128 && HTTP2Config().idleTimeout == nil)
        let (parsed, diagnostics) = ConfigFileParser.parse("""
        http2: { max_concurrent_streams: 64, initial_window_size: 1m, max_header_list_size: 16k, header_table_size: 0, idle_timeout: 3m }
        """, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let http2 = try #require(parsed?.http2)
        #expect(http2.maxConcurrentStreams == 64 && http2.initialWindowSize == 1 << 20 && http2.maxHeaderListSize == 16_384)
        #expect(http2.headerTableSize == 0 && http2.idleTimeout == 180_000)
        for bad in ["max_concurrent_streams: 0", "initial_window_size: 4g", "max_header_list_size: 2m", "header_table_size: -1", "streams: 4"] {
            let (_, wrong) = ConfigFileParser.parse("http2: { \(bad) }", path: ConfigFileTestSupport.path)
            #expect(wrong.contains { $0.severity == .error }, "\(bad): \(wrong)")
        }
    }
}
