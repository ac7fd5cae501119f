/// The bytes a host name may be written with where Apus puts one into a URL or a field
/// it writes (a Location, an auth URL, an upstream Host): letters, digits, `.`, `-`, `_`
/// (seen in real host names) and `:` (an IPv6 literal without its brackets, or a port).
public enum HostNameBytes {
    @inlinable
    public static func allows(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }
}
