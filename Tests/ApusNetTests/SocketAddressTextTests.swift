import ApusNet
import Glibc
import Testing

@Suite struct SocketAddressTextTests {
    @Test(arguments: [
        "0.0.0.0", "127.0.0.1", "10.0.0.9", "192.168.100.200", "255.255.255.255", "1.20.199.5",
        "::1", "2001:db8::1", "::ffff:127.0.0.1", "fe80::1:2:3:4", "1:2:3:4:5:6:7:8",
        "::ffff:192.168.100.200", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ])
    func hostTextIsTheParsedAddress(text: String) throws {
        let address = try #require(SocketAddress(host: text, port: 443))
        #expect(address.hostText == text)
        #expect(address.hostTextBytes == Array(text.utf8))
    }

    /// Every IPv4 octet value, in every position, written back as it was parsed.
    @Test func everyOctetValueInEveryPosition() throws {
        for value in 0...255 {
            for text in ["\(value).1.2.3", "1.\(value).2.3", "1.2.\(value).3", "1.2.3.\(value)"] {
                let address = try #require(SocketAddress(host: text, port: 80))
                #expect(address.hostText == text)
            }
        }
    }
}
