import ApusConfigFile
import ApusCore
import Testing

@Suite struct DurationAndSizeTests {
    /// Durations convert to milliseconds; a bare integer means seconds.
    @Test(arguments: [
        ("250ms", 250), ("0ms", 0), ("5s", 5_000), ("2m", 120_000), ("1h", 3_600_000),
        ("60", 60_000), ("0", 0), ("007s", 7_000),
    ])
    func durationIsMilliseconds(text: String, milliseconds: Int) {
        #expect(ConfigQuantity.durationMilliseconds(text) == milliseconds)
    }

    /// Anything but digits with one known unit is rejected, as is overflow.
    @Test(arguments: [
        "", "s", "ms", "-1s", "+1s", "1.5s", "5 s", " 5s", "5S", "5sec", "5d", "1m1s", "10us",
        "0x10", "1_000", "9223372036854775807s", "99999999999999999999",
    ])
    func badDurationIsRejected(text: String) {
        #expect(ConfigQuantity.durationMilliseconds(text) == nil)
    }

    /// Sizes convert to bytes with binary k/m/g suffixes, either case.
    @Test(arguments: [
        ("0", Int64(0)), ("512", 512), ("16k", 16_384), ("16K", 16_384), ("1m", 1_048_576),
        ("1M", 1_048_576), ("8k", 8_192), ("2g", 2_147_483_648),
    ])
    func sizeIsBytes(text: String, bytes: Int64) {
        #expect(ConfigQuantity.sizeBytes(text) == bytes)
    }

    /// Unknown units, signs, fractions and overflow are rejected.
    @Test(arguments: ["", "k", "-1", "1.5k", "16kb", "16 k", "1t", "16q", "9223372036854775807k"])
    func badSizeIsRejected(text: String) {
        #expect(ConfigQuantity.sizeBytes(text) == nil)
    }

    /// Durations and sizes in the file land in the configuration in milliseconds and bytes.
    @Test func quantitiesInFile() {
        let yaml = """
            limits: { max_head_size: 1k, max_uri_length: 2048, max_body_size: 1m }
            timeouts: { header_read: 250ms, keepalive: 2m, drain: 5 }
            upstreams:
              api: { endpoints: [a:1], keepalive: { idle_timeout: 1h } }
            """
        let (configuration, diagnostics) = ConfigFileParser.parse(yaml, path: "a.yaml")
        #expect(diagnostics == [])
        #expect(configuration?.limits == LimitsConfig(maxHeadBytes: 1_024, maxURIBytes: 2_048, maxBodyBytes: 1_048_576))
        #expect(configuration?.timeouts == TimeoutsConfig(headerRead: 250, keepAliveIdle: 120_000, drain: 5_000))
        #expect(configuration?.upstreams.first?.keepAlive.idleTimeoutMilliseconds == 3_600_000)
    }

    /// Bad quantities in the file are diagnosed at the value, with the accepted notation.
    @Test(arguments: [
        ("timeouts: { drain: 2d }", "1:20: timeouts.drain: '2d' is not a duration (use 250ms, 5s, 2m, 1h"),
        ("timeouts: { drain: [] }", "1:20: timeouts.drain: expected a string, found a sequence"),
        ("limits: { max_body_size: 1.5g }", "1:26: limits.max_body_size: '1.5g' is not a size (use a number of bytes"),
        ("limits: { max_head_size: 99999999999999999999 }", "1:26: limits.max_head_size: '99999999999999999999' is not a size"),
    ])
    func badQuantityInFile(yaml: String, expected: String) {
        let summaries = ConfigFileTestSupport.summaries(yaml)
        #expect(summaries.count == 1)
        #expect(summaries.first?.hasPrefix(expected) == true, "\(summaries)")
    }
}
