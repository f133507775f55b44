import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`: its pid, its exit (awaited or waited for), signals.
///
/// A thread of its own reaps the child with a blocking `waitpid`, so that neither waiting for it
/// nor its ending needs a run loop or a cooperative thread. (Foundation's `Process` learns of an
/// exit through a run loop, which never turns on the threads sluice blocks on.)
public final class ChildProcess: Sendable {
    public let pid: pid_t
    /// The command line, for messages.
    public let command: String
    private let capturePath: String?
    private let state = Mutex(ExitState())
    /// Signalled once, when the child has ended: for ``waitBlocking()``.
    private let ended = DispatchSemaphore(value: 0)

    /// Starts `arguments[0]` (looked up on PATH unless it holds a `/`) with `arguments`.
    ///
    /// - Parameters:
    ///   - environment: variables set on top of this process's environment.
    ///   - input: its standard input.
    ///   - output: its standard output.
    ///   - errors: its standard error; ``ProcessOutput/standardOutput`` for wherever output goes.
    public static func spawn(
        _ arguments: [String], environment: [String: String] = [:], input: ProcessInput = .nullDevice,
        output: ProcessOutput = .discard, errors: ProcessOutput = .standardOutput
    ) throws(ProcessError) -> ChildProcess {
        precondition(!arguments.isEmpty, "a command needs at least the program")
        let command = arguments.joined(separator: " ")
        func temporaryFile(_ kind: String) -> String {
            FileManager.default.temporaryDirectory.appendingPathComponent("sluice-\(kind)-\(UUID().uuidString)").path
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }

        var inputPath: String?
        switch input {
        case .nullDevice: posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .file(let path): posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
        case .bytes(let bytes):
            let path = temporaryFile("stdin")
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                throw .cannotStart(command: command, reason: "cannot write its input to \(path)")
            }
            inputPath = path
            posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
        }
        // The child has its input open once it runs: the name can go as soon as it is started.
        defer { if let inputPath { unlink(inputPath) } }

        var capturePath: String?
        func direct(_ destination: ProcessOutput, to fd: Int32) {
            switch destination {
            case .discard: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .inherit: break
            case .file(let path): posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            case .capture:
                let path = capturePath ?? temporaryFile("output")
                if capturePath == nil {
                    capturePath = path
                    posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
                } else {
                    posix_spawn_file_actions_adddup2(&actions, 1, fd)
                }
            case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, fd)
            }
        }
        direct(output == .standardOutput ? .inherit : output, to: 1)
        direct(errors, to: 2)

        // Signals this process ignores or blocks (a server's SIGTERM handling) would be inherited
        // through exec: the child starts with every signal at its default and none blocked.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), none = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var variables = ProcessInfo.processInfo.environment
        variables.merge(environment) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = arguments[0].contains("/")
            ? posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard rc == 0 else {
            if let capturePath { unlink(capturePath) }
            throw .cannotStart(command: command, reason: String(cString: strerror(rc)))
        }
        return ChildProcess(pid: pid, command: command, capturePath: capturePath)
    }

    private init(pid: pid_t, command: String, capturePath: String?) {
        self.pid = pid
        self.command = command
        self.capturePath = capturePath
        // The thread holds this object until the child has ended.
        let reaper = Thread { [self] in
            // Wait for the end without reaping, so that the pid stays this child's (a zombie)
            // until the exit is recorded: ``signal(_:)`` never reaches a stranger that reused it.
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
            let (exit, waiters) = self.state.withLock { s in
                var status: Int32 = 0
                var rc: pid_t
                repeat { rc = waitpid(pid, &status, 0) } while rc == -1 && errno == EINTR
                // Only this thread reaps this pid; an error here means it was never our child.
                s.exit = rc == pid ? ProcessExit(waitStatus: status) : .exited(255)
                defer { s.waiters = [:] }
                return (s.exit!, Array(s.waiters.values))
            }
            self.ended.signal()
            for waiter in waiters { waiter.resume(returning: exit) }
        }
        reaper.name = "sluice-wait-\(pid)"
        reaper.start()
    }

    deinit {
        if let capturePath { unlink(capturePath) }
    }

    /// How it ended, or nil while it runs.
    public var exit: ProcessExit? { state.withLock { $0.exit } }

    public var hasExited: Bool { exit != nil }

    /// Sends `signal` (SIGTERM, SIGKILL, …) unless it has already been reaped.
    public func signal(_ signal: Int32) {
        state.withLock { s in
            // Under the lock: until the exit is recorded the child is not reaped, its pid not reused.
            if s.exit == nil { _ = kill(pid, signal) }
        }
    }

    /// Waits for it to end, without holding a thread.
    public func wait() async -> ProcessExit {
        let exit: ProcessExit? = await withCheckedContinuation { continuation in
            register(continuation)
        }
        return exit!  // only an unregistered waiter is resumed with nil
    }

    /// Waits for it to end, at most `timeout`; nil if it is still running then.
    public func wait(timeout: Duration) async -> ProcessExit? {
        let exit = await withTaskGroup(of: ProcessExit?.self) { group in
            group.addTask { await self.waitUnlessCancelled() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return exit ?? self.exit
    }

    /// Waits for it to end, blocking the calling thread: never a cooperative one.
    public func waitBlocking() -> ProcessExit {
        ended.wait()
        ended.signal()  // for the next one who waits
        return exit!
    }

    /// What it wrote to a ``ProcessOutput/capture`` output so far ("" without one).
    public func capturedOutput() -> String {
        guard let capturePath else { return "" }
        return (try? String(contentsOfFile: capturePath, encoding: .utf8)) ?? ""
    }

    // MARK: - Waiters

    private struct ExitState {
        var exit: ProcessExit?
        var waiters: [Int: CheckedContinuation<ProcessExit?, Never>] = [:]
        var nextWaiter = 0
        /// Waiters cancelled before they were registered.
        var cancelled: Set<Int> = []
    }

    @discardableResult
    private func register(_ continuation: CheckedContinuation<ProcessExit?, Never>, id: Int? = nil) -> Int {
        let (id, now): (Int, ProcessExit??) = state.withLock { s in
            let id = id ?? { s.nextWaiter += 1; return s.nextWaiter }()
            if let exit = s.exit { return (id, .some(exit)) }
            if s.cancelled.remove(id) != nil { return (id, .some(nil)) }
            s.waiters[id] = continuation
            return (id, nil)
        }
        if let now { continuation.resume(returning: now) }
        return id
    }

    private func waitUnlessCancelled() async -> ProcessExit? {
        let id = state.withLock { s in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in register(continuation, id: id) }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<ProcessExit?, Never>? in
                if let waiter = s.waiters.removeValue(forKey: id) { return waiter }
                if s.exit == nil { s.cancelled.insert(id) }
                return nil
            }
            waiter?.resume(returning: nil)
        }
    }
}
