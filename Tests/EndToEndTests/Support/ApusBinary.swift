import Foundation
import Testing

/// Finds the `apus` executable the suite runs: `$APUS_BINARY`, else `<package root>/.build/debug/apus`.
///
/// A missing binary is a failure, never a skip: an end-to-end suite that silently skips proves nothing.
enum ApusBinary {
    /// The package root, derived from this file's path (`<root>/Tests/EndToEndTests/Support/ApusBinary.swift`).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The path to run, after checking that it exists and is executable.
    static func path(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let candidate: String
        if let override = environment["APUS_BINARY"], !override.isEmpty {
            candidate = override
        } else {
            candidate = packageRoot + "/.build/debug/apus"
        }
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw HarnessError("apus binary not found or not executable at \(candidate); run `swift build` first or set APUS_BINARY")
        }
        return candidate
    }

    /// The sanitizer the binary was built with (`$APUS_SANITIZER`, set by `scripts/sanitize`),
    /// or nil for a plain build.
    static let sanitizer: String? = ProcessInfo.processInfo.environment["APUS_SANITIZER"].flatMap { $0.isEmpty ? nil : $0 }

    /// Whether apus's resident memory measures its buffering, as the memory limits assume.
    /// Under a sanitizer it does not: shadow memory and ASan's quarantine of freed blocks
    /// add tens of MiB that have nothing to do with how Apus holds bodies.
    static var residentMemoryIsMeaningful: Bool { sanitizer == nil }
}

/// A harness failure with a message meant for the person reading the test log.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TimeLimitTrait.Duration {
    /// An end-to-end test's limit: `minutes` for the test itself (four times that against a
    /// sanitized binary, where every test is several times slower), plus `queueAllowanceMinutes`.
    /// A test's time includes its wait for a `ScenarioGate` slot, and the tests queued last
    /// wait for nearly the whole end-to-end run ahead of them (about four minutes in a
    /// parallel run): without the allowance they failed while no single test was slow.
    static func endToEnd(_ minutes: Int) -> Self {
        .minutes((ApusBinary.sanitizer == nil ? minutes : minutes * 4) + queueAllowanceMinutes)
    }

    /// Longer than a whole end-to-end run waits in the queue; a hung test still fails well
    /// within CI's limit.
    static let queueAllowanceMinutes = 10
}
