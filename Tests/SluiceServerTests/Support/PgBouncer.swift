import Foundation
import SluiceProcess
import SluiceStore
import SluiceTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A PgBouncer (Debian's `pgbouncer`) on a free loopback port in front of a test database's
/// server, in `mode` (`session`, `transaction`). Stopped by ``stop()``.
final class PgBouncer: Sendable {
    let daemon: LoopbackDaemon
    /// `url` with host and port replaced by the bouncer's.
    let url: String

    init(for databaseURL: String, mode: String) async throws {
        let target = try ServerAddress(databaseURL)
        let directory = try LoopbackDaemon.directory(for: "pgbouncer")
        let port = try LoopbackPort.free()
        let config = directory.appendingPathComponent("pgbouncer.ini"), users = directory.appendingPathComponent("users.txt")
        try "\"\(target.user)\" \"\"\n".write(to: users, atomically: true, encoding: .utf8)
        try """
            [databases]
            * = host=\(target.host) port=\(target.port)

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(users.path)
            pool_mode = \(mode)
            max_client_conn = 500
            default_pool_size = 100

            """.write(to: config, atomically: true, encoding: .utf8)
        let program = "/usr/sbin/pgbouncer"
        // PgBouncer refuses to run as root.
        let command = geteuid() == 0 ? ["/usr/sbin/runuser", "-u", EmbeddedCluster.unprivilegedUser(), "--", program, config.path] : [program, config.path]
        daemon = try await LoopbackDaemon("pgbouncer", command: command, port: port, directory: directory)
        url = "postgresql://\(target.user)@127.0.0.1:\(port)/\(target.database)"
    }

    var log: String { daemon.log }

    func stop() async { await daemon.stop() }

    /// Host, port, user and database of a libpq connection string, in either form the tests use
    /// (`host='/tmp/…' port=5432 user=sluice dbname='t_…'` or `postgresql://user@host:port/db`).
    struct ServerAddress {
        var host = "127.0.0.1", port = "5432", user = "postgres", database = "postgres"

        init(_ url: String) throws {
            if let scheme = url.range(of: "://") {
                let rest = url[scheme.upperBound...].prefix { $0 != "?" }
                let (authority, path) = rest.firstIndex(of: "/").map { (rest[..<$0], rest[rest.index(after: $0)...]) } ?? (rest, "")
                var hostPort = authority
                if let at = authority.lastIndex(of: "@") {
                    user = String(authority[..<at].prefix { $0 != ":" })
                    hostPort = authority[authority.index(after: at)...]
                }
                let parts = hostPort.split(separator: ":")
                if let h = parts.first { host = String(h) }
                if parts.count > 1 { port = String(parts[1]) }
                if !path.isEmpty { database = String(path) }
                return
            }
            // key=value pairs, values optionally in single quotes (no quote inside a test's paths).
            let pattern = try NSRegularExpression(pattern: #"(\w+)=('([^']*)'|(\S+))"#)
            for m in pattern.matches(in: url, range: NSRange(url.startIndex..., in: url)) {
                let key = String(url[Range(m.range(at: 1), in: url)!])
                let value = String(url[Range(m.range(at: m.range(at: 3).location != NSNotFound ? 3 : 4), in: url)!])
                switch key {
                case "host": host = value
                case "port": port = value
                case "user": user = value
                case "dbname": database = value
                default: break
                }
            }
        }
    }
}
