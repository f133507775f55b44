import Foundation
import Synchronization

/// A child process whose exit can be awaited without blocking a thread.
final class ChildProcess: Sendable {
    let process: Process
    private let exit = ExitSignal()

    /// Starts `executable` with `arguments`; its output goes to `output` (or is discarded).
    init(executable: String, arguments: [String], environment: [String: String]? = nil, output: FileHandle? = nil) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = output ?? FileHandle.nullDevice
        let exit = self.exit
        process.terminationHandler = { exit.finish($0.terminationStatus) }
        do { try process.run() } catch { throw BenchError("cannot run \(executable): \(error)") }
    }

    var pid: Int32 { process.processIdentifier }

    var hasExited: Bool { exit.status != nil }

    /// Whether it ended by a signal rather than by exiting (valid once it has exited).
    var wasSignaled: Bool { process.terminationReason == .uncaughtSignal }

    /// The exit status (or the signal that ended it), once it has exited.
    func wait() async -> Int32 { await exit.wait() }

    /// Waits up to `timeout` for the exit; nil if it is still running.
    func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exit.status { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    func signal(_ signal: Int32) {
        if !hasExited { kill(pid, signal) }
    }
}

/// The exit status of a process, set once by its termination handler, awaited by anyone.
private final class ExitSignal: Sendable {
    private struct State {
        var status: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
    }

    private let state = Mutex(State())

    var status: Int32? { state.withLock { $0.status } }

    func finish(_ status: Int32) {
        let waiters = state.withLock { s in
            s.status = status
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: status) }
    }

    func wait() async -> Int32 {
        await withCheckedContinuation { (c: CheckedContinuation<Int32, Never>) in
            let done: Int32? = state.withLock { s in
                if let status = s.status { return status }
                s.waiters.append(c)
                return nil
            }
            if let done { c.resume(returning: done) }
        }
    }
}
