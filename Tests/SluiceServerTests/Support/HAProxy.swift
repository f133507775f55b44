import Foundation
import SluiceProcess
import SluiceTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// An HAProxy (Debian's `haproxy`) on a free loopback port in front of `sluice serve` processes,
/// health-checking each on `/readyz` every 200 ms. Stopped by ``stop()``.
final class HAProxy: Sendable {
    let port: Int
    let child: ChildProcess
    let directory: URL

    init(servers ports: [Int]) async throws {
        let program = "/usr/sbin/haproxy"
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw TestFailure("\(program) is missing: scripts/install-deps.sh installs Debian's haproxy")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-haproxy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try LoopbackPort.free()
        let servers = ports.enumerated().map { "    server s\($0.offset + 1) 127.0.0.1:\($0.element) check" }.joined(separator: "\n")
        let config = directory.appendingPathComponent("haproxy.cfg")
        try """
            global
                maxconn 2000

            defaults
                mode http
                timeout connect 1s
                timeout client 60s
                timeout server 60s
                option http-server-close

            frontend api
                bind 127.0.0.1:\(port)
                default_backend sluice

            backend sluice
                balance roundrobin
                option httpchk GET /readyz
                http-check expect status 200
                default-server inter 200ms fall 2 rise 2
            \(servers)

            """.write(to: config, atomically: true, encoding: .utf8)
        child = try ChildProcess.spawn([program, "-db", "-f", config.path], output: .file(directory.appendingPathComponent("haproxy.log").path))
        let port = self.port, child = self.child
        try await waitUntil("haproxy listens on 127.0.0.1:\(port)", timeout: .seconds(30)) {
            if child.hasExited { throw TestFailure("haproxy \(child.exit!):\n\(self.log)") }
            return LoopbackPort.accepts(port)
        }
    }

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("haproxy.log"), encoding: .utf8)) ?? "" }

    func stop() async {
        child.signal(SIGTERM)
        if await child.wait(timeout: .seconds(10)) == nil {
            child.signal(SIGKILL)
            _ = await child.wait()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
