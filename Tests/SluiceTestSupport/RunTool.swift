import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program that could not be started, or exited with a failure.
public struct ToolFailure: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Runs a program to completion (posix_spawn; PATH lookup) on a thread of its own; returns its
/// exit status and output. Its standard input is `stdin` (a file), or /dev/null.
///
/// The wait must not hold one of the cooperative pool's threads (two on these machines): tests
/// that ran `sluice` subprocesses for a minute there starved the in-process servers of other
/// tests until their clients timed out.
@discardableResult
public func runTool(
    _ arguments: [String], environment extra: [String: String] = [:], stdin: String = "/dev/null", check: Bool = true
) async throws -> (status: Int32, output: String) {
    try await onOwnThread { try runToolSync(arguments, environment: extra, stdin: stdin, check: check) }
}

/// Runs blocking `body` on a new thread and returns what it returns, leaving the calling task's
/// cooperative thread free meanwhile.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// ``runTool(_:environment:stdin:check:)`` on the calling thread: only where no task can wait
/// (a `defer` that cleans up), never for a long-running program.
@discardableResult
public func runToolSync(
    _ arguments: [String], environment extra: [String: String] = [:], stdin: String = "/dev/null", check: Bool = true
) throws -> (status: Int32, output: String) {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString).log").path
    defer { unlink(log) }
    var env = ProcessInfo.processInfo.environment
    for (k, v) in extra { env[k] = v }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in argv + envp { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp)
    guard rc == 0 else { throw ToolFailure(description: "cannot start \(arguments[0]): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let code = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    if check && code != 0 { throw ToolFailure(description: "\(arguments.joined(separator: " ")) exited \(code):\n\(output)") }
    return (code, output)
}
