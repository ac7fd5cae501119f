import COpenSSL
import Glibc

/// A TLS set-up failure (certificate, key, CA file, context), with OpenSSL's reason.
public struct TLSError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    /// `what` followed by the reasons queued by OpenSSL on this thread (the queue is emptied).
    static func fromQueue(_ what: String) -> TLSError {
        let reasons = OpenSSLErrors.drain()
        return TLSError(reasons.isEmpty ? what : "\(what): \(reasons)")
    }

    public var description: String { message }

    /// Certificates, keys and CA bundles are far smaller; a larger file is not one.
    static let maximumPEMBytes = 1 << 20

    /// The PEM text of `path`, read by Apus (never by OpenSSL, which would block on a FIFO),
    /// with a missing, unreadable or odd file said plainly.
    static func readPEM(_ path: String, _ what: String) throws(TLSError) -> String {
        switch RegularFile.text(path, maximumBytes: maximumPEMBytes) {
        case .success(let text): return text
        case .failure(let failure): throw TLSError("cannot read \(what) file \(path): \(failure.reason)")
        }
    }
}

/// OpenSSL's per-thread error queue.
enum OpenSSLErrors {
    /// The queued reasons joined with "; ", and the queue emptied (a stale entry would
    /// otherwise be blamed on the next unrelated call on this thread).
    static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                reasons.append("error \(code)")
            }
        }
        return reasons.joined(separator: "; ")
    }
}
