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

    /// Host, port, user and database of a libpq connection string, as libpq reads it.
    struct ServerAddress {
        var host: String, port: String, user: String, database: String

        init(_ url: String) throws {
            let settings = try ConnectionInfo.parse(url)
            host = settings["host"] ?? "127.0.0.1"
            port = settings["port"] ?? "5432"
            user = settings["user"] ?? "postgres"
            database = settings["dbname"] ?? user
        }
    }
}
