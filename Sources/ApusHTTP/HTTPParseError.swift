/// Why bytes were rejected, with the status to answer and the byte offset of the fault.
public struct HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case invalidMethod, invalidTarget, invalidVersion, unsupportedVersion
        case invalidHeaderName, invalidHeaderValue, obsFold, whitespaceBeforeColon
        case bareCR, bareLF, missingHost, duplicateHost, invalidHost
        case contentLengthAndTransferEncoding, invalidContentLength, conflictingContentLength
        case unsupportedTransferEncoding
        case headTooLarge, tooManyHeaders, uriTooLong
        case invalidStatusLine, invalidChunkSize, invalidChunkFraming, chunkExtensionTooLong, invalidTrailer
        case invalidPath
    }

    public var reason: Reason
    /// Offset from the start of the head (or of the chunked stream) where the fault is.
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// The status a proxy answers downstream for this fault.
    public var status: Int {
        switch reason {
        case .headTooLarge, .tooManyHeaders: return 431
        case .uriTooLong: return 414
        case .unsupportedVersion: return 505
        case .unsupportedTransferEncoding: return 501
        default: return 400
        }
    }

    public var description: String { "\(reason.rawValue) at byte \(offset)" }
}
