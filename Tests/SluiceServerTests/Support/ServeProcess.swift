import Foundation
import SluiceProcess
import SluiceTestSupport

/// A child `sluice serve` process, for tests that kill or signal it.
final class ServeProcess: Sendable {
    let child: ChildProcess
    let port: Int
    let logPath: String

    /// Starts `sluice serve --port <port>` (0: a free one) against `databaseURL` and waits until
    /// it listens.
    init(databaseURL: String, port requested: Int = 0, environment extra: [String: String] = [:]) async throws {
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-serve-\(UUID().uuidString).log").path
        let child = try ChildProcess.spawn(
            [sluiceExecutable, "serve", "--port", String(requested)],
            environment: ["DATABASE_URL": databaseURL, "LOG_LEVEL": "info"].merging(extra) { $1 }, output: .file(logPath))
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = log.range(of: "listening on 127.0.0.1:") {
                let digits = log[range.upperBound...].prefix { $0.isNumber }
                port = Int(digits) ?? 0
                break
            }
            if let exit = child.exit { throw TestFailure("sluice serve \(exit) before listening:\n\(log)") }
            if ContinuousClock.now > deadline {
                child.signal(SIGKILL)
                throw TestFailure("sluice serve did not start:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        self.child = child
        self.logPath = logPath
    }

    func signal(_ sig: Int32) { child.signal(sig) }

    /// Waits for the process to exit (SIGKILL after `timeout`, and a failure).
    func wait(timeout: Duration = .seconds(60)) async throws -> ProcessExit {
        if let exit = await child.wait(timeout: timeout) { return exit }
        child.signal(SIGKILL)
        _ = await child.wait()
        throw TestFailure("sluice serve did not exit within \(timeout)")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
