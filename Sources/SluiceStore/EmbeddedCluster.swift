import Foundation
import Logging
import SluiceCore
import SluiceProcess

#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster that Sluice starts itself when no `DATABASE_URL` is given.
///
/// It lives in one directory (`pgdata/`, `run/` for the unix socket, `postgres.log`), listens on
/// a unix socket only (no TCP port to collide with, nothing reachable from other hosts), and is
/// stopped by ``stop()``. As root, PostgreSQL refuses to run, so the cluster is owned and run by
/// the `postgres` user (or `nobody`) through `runuser`; nobody has to do that by hand.
public final class EmbeddedCluster: Sendable {
    public let directory: URL
    public let database: String
    let binDirectory: URL
    let runAs: String?
    let logger: Logger

    public var dataDirectory: URL { directory.appendingPathComponent("pgdata") }
    public var socketDirectory: URL { directory.appendingPathComponent("run") }
    public var logFile: URL { directory.appendingPathComponent("postgres.log") }
    public static let port = 5432

    /// A libpq connection string for the cluster's database.
    public var url: String { url(database: database) }

    /// A libpq connection string for another database of the cluster.
    public func url(database: String) -> String { Self.connectionString(socket: socketDirectory.path, database: database) }

    public init(directory: URL = EmbeddedCluster.defaultDirectory(), database: String = "sluice",
                logger: Logger = Logger(label: "sluice.embedded")) throws(StoreError) {
        self.directory = directory
        self.database = database
        self.logger = logger
        self.binDirectory = try Self.findBinaries()
        self.runAs = geteuid() == 0 ? Self.unprivilegedUser() : nil
    }

    /// `$SLUICE_DATA_DIR`, else `/var/lib/sluice` for root, else `$XDG_DATA_HOME/sluice` or
    /// `~/.local/share/sluice`.
    public static func defaultDirectory(_ env: Configuration = .current) -> URL {
        if let d = env.path("SLUICE_DATA_DIR") { return d }
        if geteuid() == 0 { return URL(fileURLWithPath: "/var/lib/sluice") }
        if let x = env.path("XDG_DATA_HOME") { return x.appendingPathComponent("sluice") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/sluice")
    }

    static func connectionString(socket: String, database: String) -> String {
        func quote(_ v: String) -> String { "'" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'" }
        return "host=\(quote(socket)) port=\(port) user=sluice dbname=\(quote(database))"
    }

    /// Initializes the cluster on first use, starts it (or adopts one already running, e.g. left
    /// by a process that was killed) and creates the database. Blocking.
    /// - Returns: whether this call started the server (and so should ``stop()`` it).
    @discardableResult
    public func start() throws(StoreError) -> Bool {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            try fm.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        } catch {
            throw .embedded("cannot create \(directory.path): \(error)")
        }
        let initialized = fm.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path)
        if !initialized {
            try? fm.removeItem(at: dataDirectory)
            do { try fm.createDirectory(at: dataDirectory, withIntermediateDirectories: true) } catch {
                throw .embedded("cannot create \(dataDirectory.path): \(error)")
            }
        }
        if let user = runAs {
            // Only what the server writes is handed to its unprivileged owner, never the
            // directory itself (which may be shared); that directory and its parents must be
            // searchable by others so the owner can reach its files.
            var dir = directory
            while dir.path != "/" {
                if let perms = (try? fm.attributesOfItem(atPath: dir.path))?[.posixPermissions] as? Int, perms & 0o001 == 0 {
                    throw .embedded("\(user) cannot reach \(directory.path) (\(dir.path) is not searchable by others); choose another SLUICE_DATA_DIR")
                }
                dir = dir.deletingLastPathComponent()
            }
            if !fm.fileExists(atPath: logFile.path) { fm.createFile(atPath: logFile.path, contents: nil) }
            try run("/bin/chown", ["-R", user, dataDirectory.path, socketDirectory.path, logFile.path])
        }
        try run("/bin/chmod", ["0700", dataDirectory.path, socketDirectory.path])
        if !initialized {
            logger.info("initializing embedded PostgreSQL", metadata: ["directory": "\(dataDirectory.path)"])
            try pg("initdb", ["-D", dataDirectory.path, "-U", "sluice", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"])
        }
        let startedHere: Bool
        if (try? pg("pg_ctl", ["status", "-D", dataDirectory.path], quiet: true)) != nil {
            startedHere = false
            logger.info("adopting the embedded PostgreSQL that is already running", metadata: ["directory": "\(dataDirectory.path)"])
        } else {
            let options = [
                "-c listen_addresses=''",
                "-c unix_socket_directories='\(socketDirectory.path)'",
                "-c port=\(Self.port)",
                "-c max_connections=200",
                // A plain-mode migration locks every daily partition and its indexes in one
                // transaction (about 400 locks); concurrent ones need more than the default 64 each.
                "-c max_locks_per_transaction=512",
                "-c shared_buffers=256MB",
                "-c max_wal_size=4GB",
            ].joined(separator: " ")
            try pg("pg_ctl", ["start", "-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "120", "-o", options])
            startedHere = true
        }
        let admin = Self.connectionString(socket: socketDirectory.path, database: "postgres")
        let conn = try PostgresConnection(url: admin)
        if try conn.execute("SELECT 1 FROM pg_database WHERE datname = $1", [database]).firstRow == nil {
            do {
                try conn.execute("CREATE DATABASE \"\(database.replacingOccurrences(of: "\"", with: "\"\""))\"")
            } catch {
                if case .server(let state, _, _) = error, state == "42P04" { return startedHere }  // created concurrently
                throw error
            }
        }
        return startedHere
    }

    /// Stops the cluster (fast shutdown: open transactions roll back, committed data is safe).
    public func stop() {
        _ = try? pg("pg_ctl", ["stop", "-D", dataDirectory.path, "-m", "fast", "-w", "-t", "60"], quiet: true)
    }

    // MARK: - Processes

    private func pg(_ tool: String, _ args: [String], quiet: Bool = false) throws(StoreError) {
        let path = binDirectory.appendingPathComponent(tool).path
        if let user = runAs {
            try run("/usr/sbin/runuser", ["-u", user, "--", path] + args, quiet: quiet)
        } else {
            try run(path, args, quiet: quiet)
        }
    }

    private func run(_ executable: String, _ args: [String], quiet: Bool = false) throws(StoreError) {
        let result: ProcessResult
        do { result = try ChildProcess.runBlocking([executable] + args) } catch { throw .embedded(error.description) }
        let output = result.output
        guard result.exit.succeeded else {
            if !quiet { logger.error("\(executable) failed", metadata: ["output": "\(output)"]) }
            let tool = executable.hasSuffix("runuser") && args.count > 3 ? args[3] : executable
            throw .embedded("\(URL(fileURLWithPath: tool).lastPathComponent) \(args.last ?? "") failed: \(output.suffix(600))")
        }
    }

    /// `$SLUICE_PG_BIN`, else the newest `/usr/lib/postgresql/N/bin` (N ≥ 15), else `initdb` on PATH.
    static func findBinaries() throws(StoreError) -> URL {
        let fm = FileManager.default
        let env = Configuration.current
        if let d = env.path("SLUICE_PG_BIN") { return d }
        let root = "/usr/lib/postgresql"
        let versions = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).filter { $0 >= 15 }.sorted()
        for v in versions.reversed() where fm.isExecutableFile(atPath: "\(root)/\(v)/bin/initdb") {
            return URL(fileURLWithPath: "\(root)/\(v)/bin")
        }
        for dir in env.string("PATH", default: "").split(separator: ":") where fm.isExecutableFile(atPath: "\(dir)/initdb") {
            return URL(fileURLWithPath: String(dir))
        }
        throw .embedded("no PostgreSQL server binaries (initdb, pg_ctl) were found")
    }

    /// The user that runs PostgreSQL (and, in tests, other servers that refuse root) when this
    /// process is root: `postgres` if it exists, else `nobody`.
    public static func unprivilegedUser() -> String {
        getpwnam("postgres") != nil ? "postgres" : "nobody"
    }
}

extension EmbeddedCluster {
    /// The path of PostgreSQL program `name` (`pg_dump`, `psql`, …) among the binaries an embedded
    /// cluster uses (`$SLUICE_PG_BIN`, else the newest installed PostgreSQL).
    public static func programPath(_ name: String) throws(StoreError) -> String {
        try findBinaries().appendingPathComponent(name).path
    }
}
