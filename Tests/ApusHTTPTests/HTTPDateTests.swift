@testable import ApusHTTP
import Glibc
import Testing

@Suite struct HTTPDateTests {
    /// Against glibc's gmtime_r and strftime, from 1900 to 2200 in steps of 13 days and an
    /// hour (every weekday and month, many month ends), each probe with the last second of
    /// its day and the first of the next.
    @Test func formatMatchesLibc() {
        var seconds = -2_208_988_800 // 1900-01-01
        while seconds < 7_258_118_400 { // 2200-01-01
            for probe in [seconds, seconds + 86_399, seconds + 86_400] {
                #expect(HTTPDate.format(probe) == Self.libcFormat(probe), "\(probe)")
                #expect(HTTPDate.parse(HTTPDate.format(probe)) == probe, "\(probe)")
            }
            seconds += 86_400 * 13 + 3_607
        }
    }

    /// A file's time comes from the filesystem, and tmpfs keeps any 64-bit value: formatting
    /// must not trap at either end.
    /// Outside years 0000–9999 the nearest end is written.
    @Test(arguments: [
        (Int.min, "Sat, 01 Jan 0000 00:00:00 GMT"), (-9_223_372_036_854_775_000, "Sat, 01 Jan 0000 00:00:00 GMT"),
        (-62_167_219_200, "Sat, 01 Jan 0000 00:00:00 GMT"), (-62_135_596_801, "Sun, 31 Dec 0000 23:59:59 GMT"),
        (-2_203_891_200, "Thu, 01 Mar 1900 00:00:00 GMT"), (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
        (67_768_007_758_905_600, "Fri, 31 Dec 9999 23:59:59 GMT"), (Int.max, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ])
    func formatsEveryTime(seconds: Int, text: String) {
        #expect(HTTPDate.format(seconds) == text)
    }

    @Test(arguments: [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        ("Wed, 31 Dec 1969 23:59:59 GMT", -1),
        ("Tue, 29 Feb 2000 12:00:00 GMT", 951_825_600),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 253_402_300_799),
        // The obsolete forms a recipient must still read (RFC 9110 §5.6.7).
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777),
        ("Wednesday, 01-Jan-31 00:00:00 GMT", 1_924_992_000),
        ("Sun Nov  6 08:49:37 1994", 784_111_777),
        ("Sun Nov 16 08:49:37 1994", 784_975_777),
    ])
    func parsesFixdate(text: String, seconds: Int) {
        #expect(HTTPDate.parse(text) == seconds)
    }

    @Test(arguments: [
        "Sun, 06 Nov -2147483648 08:49:37 GMT", "Sun, 06 Nov 99999999999999 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun, 06-Nov-94 08:49:37 GMT", "Sunday 06-Nov-94 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94", "Sun Nov  6 8:49:37 1994", "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 29 Feb 1900 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun, +6 Nov 1994 08:49:37 GMT", "", "Sun, 06 Nov 1994 08:49:3é GMT",
    ])
    func rejects(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    private static func libcFormat(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
