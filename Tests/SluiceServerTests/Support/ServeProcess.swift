import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child `sluice serve` process, for tests that kill or signal it.
final class ServeProcess: Sendable {
    let pid: pid_t
    let port: Int
    let logPath: String

    /// The `sluice` executable built beside the test bundle.
    static var executable: String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("sluice").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return dir.appendingPathComponent("sluice").path
    }

    /// Starts `sluice serve --port 0` against `databaseURL` and waits until it listens.
    init(databaseURL: String, environment extra: [String: String] = [:]) async throws {
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-serve-\(UUID().uuidString).log").path
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = databaseURL
        env["LOG_LEVEL"] = "info"
        for (k, v) in extra { env[k] = v }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let arguments: [String] = [Self.executable, "serve", "--port", "0"]
        let variables: [String] = env.map { "\($0.key)=\($0.value)" }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, Self.executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw TestFailure("cannot start \(Self.executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = log.range(of: "listening on 127.0.0.1:") {
                let digits = log[range.upperBound...].prefix { $0.isNumber }
                port = Int(digits) ?? 0
                break
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw TestFailure("sluice serve exited before listening:\n\(log)") }
            if ContinuousClock.now > deadline { kill(pid, SIGKILL); throw TestFailure("sluice serve did not start:\n\(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for the process to exit and returns its exit status (128+signal when killed).
    func wait(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) != pid {
            if ContinuousClock.now > deadline { kill(pid, SIGKILL); throw TestFailure("sluice serve did not exit in time") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
