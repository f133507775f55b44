import Foundation
import Logging
import SluiceStore

/// The benchmark's own databases on the server of `adminURL`: dropped, created and migrated the
/// same way, so that every path loads into an identical `agent_events` (partitions and indexes).
struct BenchDatabases: Sendable {
    let adminURL: String
    let names: [String]

    func url(_ name: String) -> String { ConnectionString.replacingDatabase(in: adminURL, with: name) }

    /// Drops and creates each database, then applies the migrations in plain mode.
    func recreate(logger: Logger) async throws {
        let names = self.names
        try await withWorker(adminURL) { conn throws(StoreError) in
            for name in names {
                try conn.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)")
                try conn.execute("CREATE DATABASE \(quoteIdentifier(name))")
            }
        }
        let migrator = try Migrator(preference: .plain, logger: logger)
        for name in names {
            let report = try await withWorker(url(name)) { conn throws(StoreError) in try migrator.migrate(conn) }
            logger.info("bench database ready", metadata: ["database": "\(name)", "migrations": "\(report.applied.count)"])
        }
    }

    func drop() async throws {
        let names = self.names
        try await withWorker(adminURL) { conn throws(StoreError) in
            for name in names { try conn.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)") }
        }
    }

    func count(_ name: String) async throws -> Int {
        try await withWorker(url(name)) { conn throws(StoreError) in
            try conn.execute("SELECT count(*) FROM agent_events").value(Int.self)
        }
    }

    /// Leaves the server quiet before the next timed phase: `name`'s fresh rows vacuumed and
    /// analyzed (so autovacuum does not wake up on them mid-phase) and dirty pages checkpointed.
    /// CHECKPOINT needs superuser or `pg_checkpoint`; without either it is skipped.
    func settle(after name: String?, logger: Logger) async throws {
        let start = ContinuousClock.now
        try await withWorker(url(name ?? names[0])) { conn throws(StoreError) in
            if name != nil { try conn.execute("VACUUM (ANALYZE) agent_events") }
            _ = try? conn.execute("CHECKPOINT")
        }
        logger.info("settled", metadata: [
            "vacuumed": "\(name ?? "-")", "seconds": "\(String(format: "%.1f", (ContinuousClock.now - start).seconds))",
        ])
    }

    func serverVersion() async throws -> String {
        try await withWorker(adminURL) { conn throws(StoreError) in try conn.execute("SHOW server_version").value(String.self) }
    }
}

/// Runs `body` on a fresh connection on its own thread, then closes it.
func withWorker<T: Sendable>(
    _ url: String, _ body: @escaping @Sendable (PostgresConnection) throws(StoreError) -> T
) async throws -> T {
    let worker = ConnectionWorker(url: url)
    do {
        let value = try await worker.run(body)
        await worker.shutdown()
        return value
    } catch {
        await worker.shutdown()
        throw error
    }
}

func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
