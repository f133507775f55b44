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

/// Brings a database's schema up to date from the bundled SQL tree (docs/sql-layout.md), in two
/// layers, each its versioned migrations and then its repeatable definitions:
///
/// 1. `migrations/`, each file once, in name order, tracked in `sluice_migrations`;
/// 2. the definitions of `definitions.txt` (functions, triggers, views), in its order, each
///    whenever its text changed, tracked by checksum in `sluice_definitions`;
/// 3. TimescaleDB mode: `timescale/`, as 1;
/// 4. TimescaleDB mode: the `.timescale.sql` definitions, as 2. A `.timescale.sql` variant
///    replaces its plain file, which step 2 then skips.
///
/// Each file runs in its own transaction. Safe to run from several processes at once: an
/// advisory lock serializes them.
public struct Migrator: Sendable {
    public var plain: [Migration]
    public var timescale: [Migration]
    public var definitions: Definitions
    public var preference: ModePreference
    let logger: Logger

    /// The SQL tree bundled with this build.
    public init(preference: ModePreference = .auto, logger: Logger = Logger(label: "sluice.migrate")) throws(StoreError) {
        guard let root = Bundle.module.resourceURL?.appendingPathComponent("SQL") else {
            throw .migration("the SQL resources are missing from this build")
        }
        try self.init(sqlDirectory: root, preference: preference, logger: logger)
    }

    /// The SQL tree at `sqlDirectory` (`migrations/`, `timescale/` and optionally
    /// `definitions.txt` with its files). A tree without `definitions.txt` is migrated as before
    /// the layout of definitions: its migrations only (the tests' frozen copies of older trees).
    public init(sqlDirectory: URL, preference: ModePreference = .auto, logger: Logger = Logger(label: "sluice.migrate")) throws(StoreError) {
        self.plain = try Self.load("migrations", in: sqlDirectory)
        self.timescale = try Self.load("timescale", in: sqlDirectory)
        self.definitions = try Definitions.load(from: sqlDirectory)
        self.preference = preference
        self.logger = logger
    }

    /// Reads the SQL files of one directory of the tree, in name order.
    static func load(_ directory: String, in root: URL) throws(StoreError) -> [Migration] {
        let url = root.appendingPathComponent(directory)
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
        /// The migrations applied, in order.
        public var applied: [String]
        /// The definitions applied (new or changed), in order.
        public var definitions: [String] = []
        /// What the database holds now; `GET /readyz` compares it against this.
        public var expected: SchemaExpectation
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
        if definitions.hasAny {
            try conn.execute("""
                CREATE TABLE IF NOT EXISTS sluice_definitions (
                    name       text PRIMARY KEY,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
        let done = Set(try conn.execute("SELECT name FROM sluice_migrations").column(String.self))
        let expected = try expectation(for: mode, on: conn)
        let recorded = definitions.hasAny ? try RecordedSchema.readDefinitions(on: conn) : [:]
        var report = Report(mode: mode, applied: [], expected: expected)
        report.applied += try apply(plain, skipping: done, mode: mode, on: conn)
        report.definitions += try apply(mode == .timescale ? definitions.plainInTimescale : definitions.plain,
                                        expected: expected, recorded: recorded, on: conn)
        if mode == .timescale {
            report.applied += try apply(timescale, skipping: done, mode: mode, on: conn)
            report.definitions += try apply(definitions.timescale, expected: expected, recorded: recorded, on: conn)
        }
        if mode == .plain {
            try conn.execute("SELECT sluice_maintain_partitions()")
        }
        if mode == .timescale && !report.applied.isEmpty {
            for name in try ContinuousAggregates.materializeNewRollups(on: conn) {
                logger.info("materialized a new rollup", metadata: ["aggregate": "\(name)"])
            }
        }
        return report
    }

    /// Applies the migrations not in `done`, in order, each in its own transaction; returns their names.
    private func apply(_ migrations: [Migration], skipping done: Set<String>, mode: DatabaseMode, on conn: PostgresConnection) throws(StoreError) -> [String] {
        var applied: [String] = []
        for m in migrations where !done.contains(m.name) {
            try applyInTransaction(m.name, kind: "migration", on: conn) { () throws(StoreError) in
                try conn.executeScript(m.sql)
                if m.name == plain.first?.name {
                    try recordMode(mode, conn)
                }
                try conn.execute("INSERT INTO sluice_migrations (name) VALUES ($1)", [m.name])
            }
            applied.append(m.name)
        }
        return applied
    }

    /// Runs `body`, which applies and records the file `name`, in its own transaction; a failure
    /// names the file.
    func applyInTransaction(_ name: String, kind: String, on conn: PostgresConnection,
                            _ body: () throws(StoreError) -> Void) throws(StoreError) {
        logger.info("applying \(kind)", metadata: ["file": "\(name)"])
        do throws(StoreError) {
            try conn.transaction(body)
        } catch {
            throw .migration("\(name) failed: \(error)")
        }
    }

    /// The recorded mode, or the mode to record now.
    private func decideMode(_ conn: PostgresConnection) throws(StoreError) -> DatabaseMode {
        let hasMeta = try conn.execute("SELECT to_regclass('sluice_meta') IS NOT NULL").value(Bool.self)
        let recorded = hasMeta ? try conn.execute("SELECT value FROM sluice_meta WHERE key = 'mode'").scalar(String.self) : nil
        if let recorded, let mode = DatabaseMode(rawValue: recorded) {
            if preference != .auto && preference.rawValue != recorded {
                throw .migration("this database was set up in \(recorded) mode; it cannot switch to \(preference.rawValue)")
            }
            return mode
        }
        let available = try conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'").value(Int.self) == 1
        let preloaded = try conn.execute("SHOW shared_preload_libraries").value(String.self).contains("timescaledb")
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
