/// Samples a process's VmRSS every 100 ms in the background and remembers the peak, so a test can
/// check memory stays bounded *during* a transfer, not just after it.
final class ResidentMemorySampler: Sendable {
    private let peak = Locked(0)
    private let samples = Locked(0)
    private let task: Task<Void, Never>

    init(_ apus: ApusProcess) {
        let peak = self.peak
        let samples = self.samples
        task = Task {
            while !Task.isCancelled {
                if let kib = apus.residentKiB() {
                    peak.withLock { $0 = max($0, kib) }
                    samples.withLock { $0 += 1 }
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Stops sampling; returns the peak in KiB and how many samples were taken.
    func stop() -> (peakKiB: Int, samples: Int) {
        task.cancel()
        return (peak.value, samples.value)
    }
}
