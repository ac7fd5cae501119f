/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7): Date and Last-Modified
/// are written in it, and If-Modified-Since and If-Range dates are read from it.
///
/// Calendar arithmetic by hand (the proleptic Gregorian day count), so parsing a client's
/// date does no libc call and no arithmetic that a hostile value could overflow.
public enum HTTPDate {
    private static let dayNames: [[UInt8]] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].map { Array($0.utf8) }
    private static let monthNames: [[UInt8]] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].map { Array($0.utf8) }
    private static let secondsPerDay = 86_400

    /// The date `seconds` after the Unix epoch, in IMF-fixdate. Years beyond 9999 get more
    /// digits; a file time that far out is not a reason to fail a response.
    public static func format(_ seconds: Int) -> String {
        // Quotient and remainder, not `seconds - days * secondsPerDay`: near Int.min that
        // product overflows.
        var days = seconds / secondsPerDay
        var secondOfDay = seconds % secondsPerDay
        if secondOfDay < 0 {
            days -= 1
            secondOfDay += secondsPerDay
        }
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var out: [UInt8] = []
        out.reserveCapacity(29)
        // 1970-01-01 was a Thursday.
        out += dayNames[(days % 7 + 11) % 7]
        out += Array(", ".utf8)
        appendDigits(day, width: 2, to: &out)
        out.append(UInt8(ascii: " "))
        out += monthNames[month - 1]
        out.append(UInt8(ascii: " "))
        appendDigits(year, width: 4, to: &out)
        out.append(UInt8(ascii: " "))
        appendDigits(secondOfDay / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, width: 2, to: &out)
        out += Array(" GMT".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// Seconds since the Unix epoch, or nil when `text` is not an IMF-fixdate with fields in
    /// range. The obsolete RFC 850 and asctime forms are not read: a condition in them is
    /// ignored, which serves the full response, as RFC 9110 allows.
    public static func parse(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 29,
              dayNames.contains(where: { $0[...] == bytes[0..<3] }),
              bytes[3] == UInt8(ascii: ","), bytes[4] == UInt8(ascii: " "), bytes[7] == UInt8(ascii: " "),
              bytes[11] == UInt8(ascii: " "), bytes[16] == UInt8(ascii: " "), bytes[19] == UInt8(ascii: ":"),
              bytes[22] == UInt8(ascii: ":"), bytes[25...] == Array(" GMT".utf8)[...],
              let day = digits(bytes[5..<7]), let monthIndex = monthNames.firstIndex(where: { $0[...] == bytes[8..<11] }),
              let year = digits(bytes[12..<16]), let hour = digits(bytes[17..<19]),
              let minute = digits(bytes[20..<22]), let second = digits(bytes[23..<25]),
              day >= 1, day <= daysInMonth(monthIndex + 1, year: year), hour < 24, minute < 60, second <= 60
        else { return nil }
        let days = daysSinceEpoch(year: year, month: monthIndex + 1, day: day)
        return days * secondsPerDay + hour * 3600 + minute * 60 + second
    }

    /// Days from 1970-01-01 to the given date (negative before it).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        // Count from 0000-03-01 so that the leap day ends each 400-year era's years.
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` after 1970-01-01; the inverse of `daysSinceEpoch`.
    static func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The value of a fixed run of ASCII digits, or nil when another byte is among them.
    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func appendDigits(_ value: Int, width: Int, to out: inout [UInt8]) {
        var text = Array(String(value).utf8)
        while text.count < width { text.insert(UInt8(ascii: "0"), at: 0) }
        out += text
    }
}

extension Int {
    /// Division rounding toward negative infinity, for day counts before the epoch.
    fileprivate func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
