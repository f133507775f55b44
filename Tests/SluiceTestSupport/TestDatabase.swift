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
    public static func fresh(migrate: Bool = true) async throws -> String {
        let cluster = try await sharedCluster()
        let name = "t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        let admin = ConnectionWorker(url: cluster.url(database: "postgres"))
        defer { Task { await admin.shutdown() } }
        try await admin.run { conn throws(StoreError) in _ = try conn.execute("CREATE DATABASE \(name)") }
        let url = cluster.url(database: name)
        if migrate {
            var quiet = Logger(label: "test.migrate")
            quiet.logLevel = .warning
            let migrator = try Migrator(preference: .plain, logger: quiet)
            let worker = ConnectionWorker(url: url)
            _ = try await worker.run { conn throws(StoreError) in try migrator.migrate(conn) }
            await worker.shutdown()
        }
        return url
    }

    /// Runs `body` on a short-lived connection to `url`, on its own thread.
    public static func query<T: Sendable>(_ url: String, _ body: @escaping @Sendable (PostgresConnection) throws(StoreError) -> T) async throws -> T {
        let worker = ConnectionWorker(url: url)
        defer { Task { await worker.shutdown() } }
        return try await worker.run(body)
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
