import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SluiceProcess

#if canImport(Glibc)
import Glibc
#endif

/// A child `sluice serve` on a free loopback port, its output in a log file.
struct ServerProcess: Sendable {
    let child: ChildProcess
    let port: Int
    let logFile: URL

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `executable serve` against `databaseURL` (plain mode; other settings from the environment).
    static func start(executable: String, databaseURL: String, logFile: URL, environment: [String: String] = [:]) throws -> ServerProcess {
        let port = try LoopbackPort.free()
        let child = try ChildProcess.spawn(
            [executable, "serve", "--host", "127.0.0.1", "--port", String(port)],
            environment: ["DATABASE_URL": databaseURL, "SLUICE_MODE": "plain"].merging(environment) { $1 }, output: .file(logFile.path))
        return ServerProcess(child: child, port: port, logFile: logFile)
    }

    /// The `SLUICE_*` settings the server inherits from this environment (its configuration),
    /// leaving out those that ``start(executable:databaseURL:logFile:)`` overrides or that do not apply.
    static func settings() -> [String] {
        let ignored: Set = ["SLUICE_DATA_DIR", "SLUICE_MODE", "SLUICE_HOST", "SLUICE_PORT"]
        return ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("SLUICE_") && !ignored.contains($0.key) }
            .map { "\($0.key)=\($0.value)" }.sorted()
    }

    /// Polls `GET /readyz` until it answers 200.
    ///
    /// The port is probed with a plain connect first: a refused connection would put the HTTP
    /// client's pool into its reconnect backoff, which costs seconds.
    func waitUntilReady(client: HTTPClient, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        let port = self.port
        while ContinuousClock.now < deadline {
            if let exit = child.exit {
                throw BenchError("sluice serve \(exit) before it was ready; see \(logFile.path)")
            }
            guard try await blocking({ LoopbackPort.accepts(port) }) else {
                try await Task.sleep(for: .milliseconds(50))
                continue
            }
            if let response = try? await client.execute(HTTPClientRequest(url: "\(baseURL)/readyz"), timeout: .seconds(5)) {
                _ = try? await response.body.collect(upTo: 1 << 16)
                if response.status.code == 200 { return }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("sluice serve was not ready within \(timeout); see \(logFile.path)")
    }

    /// The server's peak resident set size (`VmHWM` of /proc/<pid>/status), in bytes.
    func peakRSS() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8) else { return nil }
        return procKilobytes(status, field: "VmHWM").map { $0 * 1024 }
    }

    /// How the server ended after SIGTERM.
    enum Exit: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)
        /// Still running `timeout` after SIGTERM, so killed.
        case killed(after: Duration)

        var isClean: Bool { self == .exited(0) }

        var description: String {
            switch self {
            case .exited(let status): "exited with status \(status)"
            case .signaled(let signal): "ended by signal \(signal)"
            case .killed(let timeout): "still running \(timeout) after SIGTERM: killed with SIGKILL"
            }
        }
    }

    /// Sends SIGTERM and waits for the graceful shutdown (SIGKILL after `timeout`).
    ///
    /// The server commits what it accepted and lets a running projector step finish, which after
    /// a large burst takes a while; the timeout is generous for that.
    @discardableResult
    func stop(timeout: Duration = .seconds(300)) async -> Exit {
        child.signal(SIGTERM)
        guard let exit = await child.wait(timeout: timeout) else {
            child.signal(SIGKILL)
            _ = await child.wait()
            return .killed(after: timeout)
        }
        switch exit {
        case .exited(let code): return .exited(code)
        case .signaled(let signal): return .signaled(signal)
        }
    }

    /// The last `count` lines of the server's log.
    func logTail(_ count: Int = 20) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(count).joined(separator: "\n")
    }
}

/// The value in kB of a `Name:   123 kB` line of a /proc file.
func procKilobytes(_ text: String, field: String) -> Int? {
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) }
    }
    return nil
}
