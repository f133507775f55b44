import Foundation
import Logging

/// How `agent_events` is stored: recorded at the first `sluice migrate` and never changed after.
public enum DatabaseMode: String, Sendable {
    /// Native daily partitions; rollups maintained by the projector.
    case plain
    /// A TimescaleDB hypertable with compression and continuous aggregates.
    case timescale
}

/// Which mode to use when a database is migrated for the first time.
public enum ModePreference: String, Sendable {
    /// TimescaleDB when the extension is available and preloaded, plain otherwise.
    case auto, plain, timescale
}

/// A numbered SQL file from `migrations/` or `timescale/`.
public struct Migration: Sendable, Hashable {
    /// `migrations/0001_schema_meta.sql`, the key in `sluice_migrations`.
    public var name: String
    public var sql: String
}

/// Applies `migrations/` (always) and then `timescale/` (TimescaleDB mode), each file once, each in
/// its own transaction, tracked in `sluice_migrations`. Safe to run from several processes at once:
/// an advisory lock serializes them.
public struct Migrator: Sendable {
    public var plain: [Migration]
    public var timescale: [Migration]
    public var preference: ModePreference
    let logger: Logger

    public init(preference: ModePreference = .auto, logger: Logger = Logger(label: "sluice.migrate")) throws(StoreError) {
        self.plain = try Self.load("migrations")
        self.timescale = try Self.load("timescale")
        self.preference = preference
        self.logger = logger
    }

    /// Reads the bundled SQL files of one directory, in name order.
    static func load(_ directory: String) throws(StoreError) -> [Migration] {
        guard let url = Bundle.module.resourceURL?.appendingPathComponent("SQL").appendingPathComponent(directory) else {
            throw .migration("the SQL resources are missing from this build")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".sql") }.sorted()
        } catch {
            throw .migration("cannot read \(url.path): \(error)")
        }
        var out: [Migration] = []
        for name in names {
            guard let sql = try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8) else {
                throw .migration("cannot read \(directory)/\(name)")
            }
            out.append(Migration(name: "\(directory)/\(name)", sql: sql))
        }
        return out
    }

    /// What `migrate` did.
    public struct Report: Sendable {
        public var mode: DatabaseMode
        public var applied: [String]
    }

    /// Brings the database up to date. Blocking: call it on a connection's own thread.
    public func migrate(_ conn: PostgresConnection) throws(StoreError) -> Report {
        try conn.execute("SELECT pg_advisory_lock(hashtext('sluice_migrate'))")
        defer { _ = try? conn.execute("SELECT pg_advisory_unlock(hashtext('sluice_migrate'))") }
        try conn.execute("""
            CREATE TABLE IF NOT EXISTS sluice_migrations (
                name       text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let mode = try decideMode(conn)
        let done = Set(try conn.execute("SELECT name FROM sluice_migrations").rows.compactMap { $0[0] })
        var applied: [String] = []
        let files = plain + (mode == .timescale ? timescale : [])
        for m in files where !done.contains(m.name) {
            logger.info("applying migration", metadata: ["file": "\(m.name)"])
            try conn.execute("BEGIN")
            do {
                if m.name == plain.first?.name {
                    try conn.executeScript(m.sql)
                    try recordMode(mode, conn)
                } else {
                    try conn.executeScript(m.sql)
                }
                try conn.execute("INSERT INTO sluice_migrations (name) VALUES ($1)", [m.name])
                try conn.execute("COMMIT")
            } catch {
                _ = try? conn.execute("ROLLBACK")
                throw .migration("\(m.name) failed: \(error)")
            }
            applied.append(m.name)
        }
        if mode == .plain {
            try conn.execute("SELECT sluice_maintain_partitions()")
        }
        if mode == .timescale && !applied.isEmpty {
            for name in try ContinuousAggregates.materializeNewRollups(on: conn) {
                logger.info("materialized a new rollup", metadata: ["aggregate": "\(name)"])
            }
        }
        return Report(mode: mode, applied: applied)
    }

    /// The recorded mode, or the mode to record now.
    private func decideMode(_ conn: PostgresConnection) throws(StoreError) -> DatabaseMode {
        let hasMeta = try conn.execute("SELECT to_regclass('sluice_meta') IS NOT NULL").scalar() == "t"
        let recorded = hasMeta ? try conn.execute("SELECT value FROM sluice_meta WHERE key = 'mode'").scalar() : nil
        if let recorded, let mode = DatabaseMode(rawValue: recorded) {
            if preference != .auto && preference.rawValue != recorded {
                throw .migration("this database was set up in \(recorded) mode; it cannot switch to \(preference.rawValue)")
            }
            return mode
        }
        let available = try conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'").scalar() == "1"
        let preloaded = (try conn.execute("SHOW shared_preload_libraries").scalar() ?? "").contains("timescaledb")
        switch preference {
        case .plain: return .plain
        case .timescale:
            guard available && preloaded else {
                throw .migration("TimescaleDB mode was asked for, but the extension is \(available ? "not in shared_preload_libraries" : "not installed")")
            }
            return .timescale
        case .auto:
            if available && !preloaded {
                logger.warning("timescaledb is installed but not in shared_preload_libraries; using plain mode")
            }
            return available && preloaded ? .timescale : .plain
        }
    }

    private func recordMode(_ mode: DatabaseMode, _ conn: PostgresConnection) throws(StoreError) {
        try conn.execute("""
            INSERT INTO sluice_meta (key, value) VALUES ('mode', $1)
            ON CONFLICT (key) DO NOTHING
            """, [mode.rawValue])
    }
}
