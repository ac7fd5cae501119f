/// HTTP dates (RFC 9110 §5.6.7): Date and Last-Modified are written as IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`); If-Modified-Since and If-Range are read in all three
/// forms a recipient must accept (IMF-fixdate, RFC 850 and asctime).
///
/// Calendar arithmetic by hand (`CivilCalendar`), so reading a client's date makes no libc
/// call and no arithmetic that a hostile value could overflow.
public enum HTTPDate {
    private static let dayNames: [StaticString] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let longDayNames: [StaticString] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let monthNames: [StaticString] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let secondsPerDay = 86_400
    /// 0000-01-01 00:00:00 and 9999-12-31 23:59:59, the span four year digits can write.
    private static let writable = -62_167_219_200...253_402_300_799

    /// The date `seconds` after the Unix epoch, in IMF-fixdate. A time outside years
    /// 0000–9999 (a file's time can be any 64-bit value) is written as the nearest end.
    public static func format(_ seconds: Int) -> String {
        let clamped = min(max(seconds, writable.lowerBound), writable.upperBound)
        var days = clamped / secondsPerDay
        var secondOfDay = clamped % secondsPerDay
        if secondOfDay < 0 {
            days -= 1
            secondOfDay += secondsPerDay
        }
        let (year, month, day) = CivilCalendar.date(daysSinceEpoch: days)
        // 1970-01-01 was a Thursday.
        let weekday = (days % 7 + 11) % 7
        return String(unsafeUninitializedCapacity: 29) { out in
            copy(dayNames[weekday], to: out, at: 0)
            copy(", ", to: out, at: 3)
            writeDigits(day, count: 2, to: out, at: 5)
            out[7] = UInt8(ascii: " ")
            copy(monthNames[month - 1], to: out, at: 8)
            out[11] = UInt8(ascii: " ")
            writeDigits(year, count: 4, to: out, at: 12)
            out[16] = UInt8(ascii: " ")
            writeDigits(secondOfDay / 3600, count: 2, to: out, at: 17)
            out[19] = UInt8(ascii: ":")
            writeDigits(secondOfDay / 60 % 60, count: 2, to: out, at: 20)
            out[22] = UInt8(ascii: ":")
            writeDigits(secondOfDay % 60, count: 2, to: out, at: 23)
            copy(" GMT", to: out, at: 25)
            return 29
        }
    }

    /// Seconds since the Unix epoch, or nil when `text` is none of the three forms or a
    /// field is out of range (a condition on such a date is then ignored).
    public static func parse(_ text: String) -> Int? {
        var text = text
        return text.withUTF8 { bytes in
            imfFixdate(bytes) ?? rfc850Date(bytes) ?? asctimeDate(bytes)
        }
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    private static func imfFixdate(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard b.count == 29, dayNames.contains(where: { matches($0, b, at: 0) }), matches(", ", b, at: 3),
              b[7] == UInt8(ascii: " "), b[11] == UInt8(ascii: " "), b[16] == UInt8(ascii: " "), matches(" GMT", b, at: 25),
              let day = ASCIIDecimal.fixedWidth(b[5..<7]), let month = month(b, at: 8),
              let year = ASCIIDecimal.fixedWidth(b[12..<16])
        else { return nil }
        return seconds(year: year, month: month, day: day, clock: b[17..<25])
    }

    /// `Sunday, 06-Nov-94 08:49:37 GMT`. A two-digit year below 70 is 20xx, else 19xx (the
    /// pivot nginx uses; RFC 9110 asks for "not more than 50 years ahead", which agrees
    /// until 2020 + 50).
    private static func rfc850Date(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let comma = b.firstIndex(of: UInt8(ascii: ",")), b.count == comma + 24,
              longDayNames.contains(where: { $0.utf8CodeUnitCount == comma && matches($0, b, at: 0) }),
              b[comma + 1] == UInt8(ascii: " "), b[comma + 4] == UInt8(ascii: "-"), b[comma + 8] == UInt8(ascii: "-"),
              b[comma + 11] == UInt8(ascii: " "), matches(" GMT", b, at: comma + 20),
              let day = ASCIIDecimal.fixedWidth(b[(comma + 2)..<(comma + 4)]), let month = month(b, at: comma + 5),
              let shortYear = ASCIIDecimal.fixedWidth(b[(comma + 9)..<(comma + 11)])
        else { return nil }
        return seconds(year: shortYear + (shortYear < 70 ? 2000 : 1900), month: month, day: day, clock: b[(comma + 12)..<(comma + 20)])
    }

    /// `Sun Nov  6 08:49:37 1994`
    private static func asctimeDate(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard b.count == 24, dayNames.contains(where: { matches($0, b, at: 0) }),
              b[3] == UInt8(ascii: " "), b[7] == UInt8(ascii: " "), b[10] == UInt8(ascii: " "), b[19] == UInt8(ascii: " "),
              let month = month(b, at: 4),
              let day = ASCIIDecimal.fixedWidth(b[8] == UInt8(ascii: " ") ? b[9..<10] : b[8..<10]),
              let year = ASCIIDecimal.fixedWidth(b[20..<24])
        else { return nil }
        return seconds(year: year, month: month, day: day, clock: b[11..<19])
    }

    /// The moment, after checking every field's range; `clock` is `HH:MM:SS`.
    private static func seconds(year: Int, month: Int, day: Int, clock: UnsafeBufferPointer<UInt8>.SubSequence) -> Int? {
        let at = clock.startIndex
        guard clock.count == 8, clock[at + 2] == UInt8(ascii: ":"), clock[at + 5] == UInt8(ascii: ":"),
              let hour = ASCIIDecimal.fixedWidth(clock[at..<(at + 2)]),
              let minute = ASCIIDecimal.fixedWidth(clock[(at + 3)..<(at + 5)]),
              let second = ASCIIDecimal.fixedWidth(clock[(at + 6)..<(at + 8)]),
              day >= 1, day <= daysInMonth(month, year: year), hour < 24, minute < 60, second <= 60
        else { return nil }
        return CivilCalendar.daysSinceEpoch(year: year, month: month, day: day) * secondsPerDay + hour * 3600 + minute * 60 + second
    }

    /// 1–12 for the month name at `offset`.
    private static func month(_ b: UnsafeBufferPointer<UInt8>, at offset: Int) -> Int? {
        monthNames.firstIndex { matches($0, b, at: offset) }.map { $0 + 1 }
    }

    private static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func matches(_ literal: StaticString, _ b: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard offset + count <= b.count, let p = b.baseAddress else { return false }
        return HTTPBytes.equalsExact(p, offset, count, literal)
    }

    private static func copy(_ literal: StaticString, to out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        for i in 0..<literal.utf8CodeUnitCount { out[offset + i] = literal.utf8Start[i] }
    }

    /// `value` (non-negative, fewer than `count` + 1 digits) zero-padded to `count` digits.
    private static func writeDigits(_ value: Int, count: Int, to out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var rest = value
        for i in stride(from: count - 1, through: 0, by: -1) {
            out[offset + i] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }
}
