import Foundation
import SluiceProcess
import SluiceTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A server program a test starts on a loopback port (PgBouncer, HAProxy), with its output in
/// `log` in a temporary directory of its own; ``stop()`` ends it and removes the directory.
final class LoopbackDaemon: Sendable {
    let name: String
    let port: Int
    let directory: URL
    private let child: ChildProcess

    /// A new temporary directory for a daemon's files.
    static func directory(for name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return directory
    }

    /// Starts `command` (its files in `directory`) and waits until it accepts connections on `port`.
    init(_ name: String, command: [String], port: Int, directory: URL) async throws {
        guard FileManager.default.isExecutableFile(atPath: command[0]) else {
            throw TestFailure("\(command[0]) is missing: scripts/install-deps.sh installs Debian's \(name)")
        }
        self.name = name
        self.port = port
        self.directory = directory
        child = try ChildProcess.spawn(command, output: .file(directory.appendingPathComponent("\(name).log").path))
        let child = self.child
        try await waitUntil("\(name) listens on 127.0.0.1:\(port)", timeout: .seconds(30)) {
            if let exit = child.exit { throw TestFailure("\(name) \(exit):\n\(self.log)") }
            return LoopbackPort.accepts(port)
        }
    }

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? "" }

    func stop() async {
        child.signal(SIGTERM)
        if await child.wait(timeout: .seconds(10)) == nil {
            child.signal(SIGKILL)
            _ = await child.wait()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
