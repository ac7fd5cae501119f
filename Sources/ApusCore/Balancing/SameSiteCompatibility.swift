/// Browsers that reject a cookie carrying `SameSite=None` (Chromium's list of incompatible
/// clients, the same test ingress-nginx applies for `session-cookie-conditional-samesite-none`):
/// Chrome 40 to 69, iOS 12 and Safari on macOS 10.14.
public enum SameSiteCompatibility {
    public static func rejectsNone<UserAgent: Collection<UInt8>>(userAgent: UserAgent) -> Bool {
        // Searched in place: the field is read on the request path of such routes.
        func has(_ text: StaticString) -> Bool {
            let needle = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
            var start = userAgent.startIndex
            while let end = userAgent.index(start, offsetBy: needle.count, limitedBy: userAgent.endIndex) {
                if userAgent[start..<end].elementsEqual(needle) { return true }
                start = userAgent.index(after: start)
            }
            return false
        }
        if has("Chrome/4") || has("Chrome/5") || has("Chrome/6") { return true }
        if has("CPU iPhone OS 12") || has("iPad; CPU OS 12") { return true }
        return has("Macintosh") && has("Intel Mac OS X 10_14") && has("Safari") && !has("Chrome")
    }
}
