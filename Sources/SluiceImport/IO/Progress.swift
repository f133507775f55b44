import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on standard error (only when it is a terminal): files, lines,
/// events and events per second, redrawn at most ten times a second.
public final class ProgressLine: @unchecked Sendable {
    // @unchecked: used from the one task that runs the import; never shared across tasks.
    private let enabled: Bool
    private let start = ContinuousClock.now
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private var drew = false

    public init(enabled: Bool = isatty(2) != 0) { self.enabled = enabled }

    public func update(file: Int, of files: Int, stats: ImportStats, force: Bool = false) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard force || now - lastDraw >= .milliseconds(100) else { return }
        lastDraw = now
        let seconds = max(0.001, Self.seconds(now - start))
        let done = files == 0 ? 1 : Double(file) / Double(files)
        let width = 20
        let filled = Int(done * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = "\r\(bar) files \(file)/\(files)  lines \(stats.lines)  events \(stats.events)  \(Int(Double(stats.events) / seconds)) events/s  \(String(format: "%.1f", Double(stats.bytes) / seconds / 1e6)) MB/s"
        FileHandle.standardError.write(Data(line.utf8))
        drew = true
    }

    public func finish() {
        guard enabled, drew else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, a) = d.components
        return Double(s) + Double(a) / 1e18
    }
}
