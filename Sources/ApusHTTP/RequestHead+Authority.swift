extension RequestHead {
    /// Where the request names its authority (host, maybe a port) as sent: the
    /// absolute-form target's, else the Host field's value; nil when it names none.
    @inlinable
    public var authorityRange: Range<Int>? {
        if authorityEnd > authorityStart { return Int(authorityStart)..<Int(authorityEnd) }
        if hostIndex >= 0 { return Int(headers[hostIndex].valueStart)..<Int(headers[hostIndex].valueEnd) }
        return nil
    }

    /// The host a request is routed by: its authority without the port, without the
    /// brackets of an IPv6 literal and without a trailing dot (`Example.test.:80` names
    /// `Example.test`); empty when it names none. A view into `bytes`, the head's bytes.
    @inlinable
    public func routingHost(in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let range = authorityRange else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        var start = range.lowerBound
        var end = range.upperBound
        if start < end && bytes[start] == UInt8(ascii: "[") {
            // [v6]:port → v6
            var i = start
            while i < end && bytes[i] != UInt8(ascii: "]") { i += 1 }
            start += 1
            end = i
        } else {
            var i = end
            while i > start {
                i -= 1
                if bytes[i] == UInt8(ascii: ":") {
                    end = i
                    break
                }
            }
        }
        if end > start && bytes[end - 1] == UInt8(ascii: ".") { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}
