import CPCRE2

/// One PCRE2 pattern, compiled (and JIT-compiled when the platform allows) by the
/// control plane and matched by every worker.
///
/// Thread rule: immutable after init. PCRE2 compiled code is read-only during matching,
/// so sharing it between workers is safe; each worker brings its own `MatchScratch`.
final class CompiledPattern: @unchecked Sendable {
    let source: String
    let flavor: RegexFlavor
    /// Capture groups, not counting the whole match.
    let captureCount: Int
    let usesJIT: Bool
    private let code: OpaquePointer

    /// What PCRE2 said about a pattern it could not compile.
    struct CompileError: Error, Equatable {
        var message: String
        /// Byte offset into the pattern where PCRE2 stopped.
        var offset: Int
    }

    /// - Throws: `CompileError` with PCRE2's message and offset, or for a start-of-pattern
    ///   option.
    init(_ source: String, flavor: RegexFlavor) throws(CompileError) {
        // `(*NO_JIT)`, `(*UTF)`, `(*LIMIT_MATCH=...)`, `(*CRLF)` and the like change how the
        // engine runs under the options Apus chose (a `(*NO_JIT)` route never matched at all),
        // so they are refused rather than obeyed. They can stand only at the very start.
        if source.utf8.starts(with: "(*".utf8) {
            let option = source.prefix { $0 != ")" }
            throw CompileError(message: "start-of-pattern option \(option)) is not allowed: Apus sets the regex engine's options itself", offset: 0)
        }
        // Matching is on bytes: no PCRE2_UTF, so a request path with invalid UTF-8 can
        // never make a match fail with an encoding error.
        let options: UInt32 = switch flavor {
        case .fullMatch: PCRE2_ANCHORED | PCRE2_ENDANCHORED
        case .nginxCompatible: PCRE2_ANCHORED | PCRE2_CASELESS
        case .search: 0
        }
        var errorCode: Int32 = 0
        var errorOffset = 0
        let compiled = source.utf8.withContiguousStorageIfAvailable { bytes in
            pcre2_compile_8(bytes.baseAddress, bytes.count, options, &errorCode, &errorOffset, nil)
        } ?? Array(source.utf8).withUnsafeBufferPointer { bytes in
            pcre2_compile_8(bytes.baseAddress, bytes.count, options, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            throw CompileError(message: CompiledPattern.message(for: errorCode), offset: errorOffset)
        }
        var groups: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &groups)
        self.source = source
        self.flavor = flavor
        self.captureCount = Int(groups)
        self.code = compiled
        // JIT failure (no executable memory, unsupported CPU) is not a config error:
        // the interpreter gives the same answers, only slower.
        var jitSize = 0
        self.usesJIT = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
            && pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_JITSIZE), &jitSize) == 0 && jitSize > 0
    }

    deinit { pcre2_code_free_8(code) }

    /// Matches `subject` with `matchData`; true on a match. Match-limit and other
    /// runtime errors count as no match (the request falls to the next rule).
    func matches(_ subject: UnsafeRawBufferPointer, matchData: OpaquePointer, context: OpaquePointer?) -> Bool {
        let pointer = subject.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let rc: Int32
        if let pointer {
            rc = run(pointer, subject.count, matchData, context)
        } else {
            // PCRE2 10.42 rejects a NULL subject even when empty.
            var empty: UInt8 = 0
            rc = run(&empty, 0, matchData, context)
        }
        return rc >= 0
    }

    @inline(__always)
    private func run(_ subject: UnsafePointer<UInt8>, _ length: Int, _ matchData: OpaquePointer, _ context: OpaquePointer?) -> Int32 {
        usesJIT
            ? pcre2_jit_match_8(code, subject, length, 0, 0, matchData, context)
            : pcre2_match_8(code, subject, length, 0, 0, matchData, context)
    }

    private static func message(for errorCode: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(errorCode, &buffer, buffer.count)
        guard length > 0 else { return "PCRE2 error \(errorCode)" }
        return String(decoding: buffer[..<Int(length)], as: UTF8.self)
    }
}
