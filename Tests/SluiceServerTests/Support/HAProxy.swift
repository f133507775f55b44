import Foundation
import SluiceProcess
import SluiceTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// An HAProxy (Debian's `haproxy`) on a free loopback port in front of `sluice serve` processes,
/// health-checking each on `/readyz` every 200 ms. Stopped by ``stop()``.
final class HAProxy: Sendable {
    let daemon: LoopbackDaemon
    var port: Int { daemon.port }

    init(servers ports: [Int]) async throws {
        let directory = try LoopbackDaemon.directory(for: "haproxy")
        let port = try LoopbackPort.free()
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
        daemon = try await LoopbackDaemon("haproxy", command: ["/usr/sbin/haproxy", "-db", "-f", config.path], port: port, directory: directory)
    }

    func stop() async { await daemon.stop() }
}
