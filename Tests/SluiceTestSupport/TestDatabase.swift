import Foundation
import Logging
import NIOPosix
import SluiceStore

#if canImport(Glibc)
import Glibc
#endif

/// Fresh, migrated PostgreSQL databases for tests, on one private cluster per test process.
///
/// The cluster is the same ``EmbeddedCluster`` that `sluice serve` uses, started in a temporary
/// directory and stopped when the process exits. Tests never skip: when PostgreSQL cannot be
/// started, every database test fails with the reason (CI installs PostgreSQL first).
public enum TestDatabase {
    /// A new database with every migration applied; returns its connection string.
    ///
    /// With `SLUICE_TEST_TIMESCALE_URL` set (a server with the timescaledb extension installed and
    /// preloaded, e.g. `postgresql://postgres@127.0.0.1:5439/postgres`), the database is created on
    /// that server and migrated in TimescaleDB mode, so that the same tests prove that mode.
    public static func fresh(migrate: Bool = true) async throws -> String {
        let name = "t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        let (adminURL, url): (String, String)
        if let server = timescaleURL {
            (adminURL, url) = (server, replacingDatabase(of: server, with: name))
        } else {
            let cluster = try await sharedCluster()
            (adminURL, url) = (cluster.url(database: "postgres"), cluster.url(database: name))
        }
        let admin = ConnectionWorker(url: adminURL)
        try await admin.run { conn throws(StoreError) in _ = try conn.execute("CREATE DATABASE \(name)") }
        await admin.shutdown()
        if migrate {
            try await TestDatabase.migrate(url)
        }
        return url
    }

    /// `SLUICE_TEST_TIMESCALE_URL`, when set: the server whose databases the tests use instead.
    public static let timescaleURL: String? = ProcessInfo.processInfo.environment["SLUICE_TEST_TIMESCALE_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// The mode ``fresh(migrate:)`` migrates in.
    public static var mode: DatabaseMode { timescaleURL == nil ? .plain : .timescale }

    /// `url` (a libpq URL) naming database `name` instead of its own.
    static func replacingDatabase(of url: String, with name: String) -> String {
        let (base, query) = url.firstIndex(of: "?").map { (String(url[..<$0]), String(url[$0...])) } ?? (url, "")
        let authority = base.range(of: "://").map { base[$0.upperBound...] } ?? base[...]
        guard let slash = authority.firstIndex(of: "/") else { return base + "/" + name + query }
        return String(base[..<slash]) + "/" + name + query
    }

    /// Runs `body` on a short-lived connection to `url`, on its own thread.
    public static func query<T: Sendable>(_ url: String, _ body: @escaping @Sendable (PostgresConnection) throws(StoreError) -> T) async throws -> T {
        let worker = ConnectionWorker(url: url)
        do {
            let result = try await worker.run(body)
            await worker.shutdown()
            return result
        } catch {
            await worker.shutdown()
            throw error
        }
    }

    /// Waits until backend `pid` (`pg_backend_pid()`) of the database at `url` waits for a lock.
    public static func waitUntilBlocked(_ pid: String, on url: String) async throws {
        try await waitUntil("backend \(pid) waits for a lock") {
            try await query(url) { conn throws(StoreError) in
                try conn.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1::int", [pid]).scalar(String.self)
            } == "Lock"
        }
    }

    /// Starts a separate cluster that a test may stop and restart (the caller stops it).
    public static func privateCluster() async throws -> EmbeddedCluster {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-test-\(getpid())-\(UUID().uuidString.prefix(8))")
        return try await NIOThreadPool.singleton.runIfActive {
            let cluster = try EmbeddedCluster(directory: dir, logger: Logger(label: "test.cluster"))
            try cluster.start()
            return cluster
        }
    }

    static func sharedCluster() async throws -> EmbeddedCluster {
        try await NIOThreadPool.singleton.runIfActive { try shared.get() }
    }
}

/// Started once, on first use (Swift initializes globals lazily and exactly once).
private let shared: Result<EmbeddedCluster, any Error> = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-tests-\(getpid())")
    do {
        let cluster = try EmbeddedCluster(directory: dir, logger: Logger(label: "test.cluster"))
        try cluster.start()
        atexit {
            if case .success(let c) = shared {
                c.stop()
                try? FileManager.default.removeItem(at: c.directory)
            }
        }
        return .success(cluster)
    } catch {
        return .failure(error)
    }
}()
