/// Incremental, strict decoder of a chunked body (RFC 9112 §7.1), trailers included.
///
/// Feed it the bytes that follow the head, in pieces of any size. Each call consumes a
/// prefix of the input and reports one step. A proxy that forwards chunked framing as is
/// forwards exactly the consumed bytes; one that de-chunks forwards only `.data` ranges.
///
/// Strictness: the size is 1 to 16 hex digits and at most 2^62; no whitespace around it
/// except inside extensions; a size line (extensions included) is at most 4 KiB; data is
/// followed by CRLF; trailer fields follow the head's field rules and total at most 16 KiB.
/// A failure is final: every later call fails again.
public struct ChunkedDecoder: Sendable {
    public init() {}

    @usableFromInline enum State: UInt8, Sendable {
        case size, extensions, sizeLF, data, dataCR, dataLF
        case trailerStart, trailerName, trailerValue, trailerLF, finalLF, done, failed
    }

    public enum Step: Equatable, Sendable {
        /// `consumed` bytes were framing (size line, CRLF, trailer part); more input needed.
        case needMore(consumed: Int)
        /// Body data at `input[offset ..< offset + count]`; `consumed` covers it (and any
        /// framing before it).
        case data(offset: Int, count: Int, consumed: Int)
        /// The last chunk and the trailers ended; `consumed` bytes belong to the body.
        case end(consumed: Int)
        case failed(HTTPParseError)
    }

    @inlinable static var maxSizeLineBytes: Int { 4_096 }
    @inlinable static var maxTrailerBytes: Int { 16_384 }
    @inlinable static var maxChunkSize: UInt64 { 1 << 62 }

    @usableFromInline var state: State = .size
    @usableFromInline var remaining: UInt64 = 0
    @usableFromInline var digits = 0
    @usableFromInline var lineBytes = 0
    @usableFromInline var trailerBytes = 0
    /// Bytes consumed by earlier calls, for error offsets.
    @usableFromInline var streamOffset = 0
    @usableFromInline var fault = HTTPParseError(.invalidChunkFraming, at: 0)
    @usableFromInline var decoded: Int64 = 0

    /// Total body bytes decoded so far (payload only), for limits.
    public var payloadBytes: Int64 { decoded }

    /// Whether the final chunk and trailers were read.
    public var isComplete: Bool { state == .done }

    public mutating func decode(_ input: UnsafeRawBufferPointer) -> Step {
        if state == .failed { return .failed(fault) }
        if state == .done { return .end(consumed: 0) }
        guard let p = input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count > 0 else { return .needMore(consumed: 0) }
        let count = input.count
        var pos = 0
        while pos < count {
            if state == .data {
                let n = Int(min(remaining, UInt64(count &- pos)))
                remaining &-= UInt64(n)
                decoded &+= Int64(n)
                if remaining == 0 { state = .dataCR }
                streamOffset &+= pos &+ n
                return .data(offset: pos, count: n, consumed: pos &+ n)
            }
            let b = p[pos]
            if let reason = step(b) {
                fault = HTTPParseError(reason, at: streamOffset &+ pos)
                state = .failed
                return .failed(fault)
            }
            pos &+= 1
            if state == .done {
                streamOffset &+= pos
                return .end(consumed: pos)
            }
        }
        streamOffset &+= count
        return .needMore(consumed: count)
    }

    /// Advances the framing state by one byte; returns a fault reason or nil.
    @inlinable
    mutating func step(_ b: UInt8) -> HTTPParseError.Reason? {
        switch state {
        case .size:
            if let v = HTTPBytes.hexValue(b) {
                digits &+= 1
                lineBytes &+= 1
                guard digits <= 16 else { return .invalidChunkSize }
                remaining = remaining << 4 | UInt64(v)
                guard remaining <= Self.maxChunkSize else { return .invalidChunkSize }
                return nil
            }
            guard digits > 0 else { return .invalidChunkSize }
            if b == 59 { state = .extensions; lineBytes &+= 1; return nil }
            if b == HTTPBytes.cr { state = .sizeLF; return nil }
            return .invalidChunkSize
        case .extensions:
            if b == HTTPBytes.cr { state = .sizeLF; return nil }
            guard HTTPBytes.isFieldValueChar(b) else { return .invalidChunkFraming }
            lineBytes &+= 1
            return lineBytes > Self.maxSizeLineBytes ? .chunkExtensionTooLong : nil
        case .sizeLF:
            guard b == HTTPBytes.lf else { return .invalidChunkFraming }
            digits = 0
            lineBytes = 0
            state = remaining == 0 ? .trailerStart : .data
            return nil
        case .dataCR:
            guard b == HTTPBytes.cr else { return .invalidChunkFraming }
            state = .dataLF
            return nil
        case .dataLF:
            guard b == HTTPBytes.lf else { return .invalidChunkFraming }
            state = .size
            return nil
        case .trailerStart:
            trailerBytes &+= 1
            if trailerBytes > Self.maxTrailerBytes { return .invalidTrailer }
            if b == HTTPBytes.cr { state = .finalLF; return nil }
            guard HTTPBytes.isTokenChar(b) else { return .invalidTrailer }
            state = .trailerName
            return nil
        case .trailerName:
            trailerBytes &+= 1
            if trailerBytes > Self.maxTrailerBytes { return .invalidTrailer }
            if b == HTTPBytes.colon { state = .trailerValue; return nil }
            return HTTPBytes.isTokenChar(b) ? nil : .invalidTrailer
        case .trailerValue:
            trailerBytes &+= 1
            if trailerBytes > Self.maxTrailerBytes { return .invalidTrailer }
            if b == HTTPBytes.cr { state = .trailerLF; return nil }
            return HTTPBytes.isFieldValueChar(b) ? nil : .invalidTrailer
        case .trailerLF:
            guard b == HTTPBytes.lf else { return .invalidTrailer }
            trailerBytes &+= 1
            state = .trailerStart
            return nil
        case .finalLF:
            guard b == HTTPBytes.lf else { return .invalidChunkFraming }
            state = .done
            return nil
        case .data, .done, .failed:
            return .invalidChunkFraming
        }
    }
}
