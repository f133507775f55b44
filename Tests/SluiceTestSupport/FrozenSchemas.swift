import Foundation
import Logging
import SluiceStore

/// Databases migrated by an older version's SQL tree, for upgrade tests.
extension TestDatabase {
    /// The SQL tree of main at b6689ff, the last before repeatable definitions (docs/sql-layout.md),
    /// copied as it was: `migrations/` and `timescale/` with every function in them.
    public static var schemaB6689ff: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent("schema-b6689ff")
    }

    /// A new database (on the server and in the mode of ``fresh(migrate:)``) migrated by the SQL
    /// tree at `sqlDirectory`, as that version's `sluice migrate` did; returns its connection string.
    public static func fresh(migratedBy sqlDirectory: URL) async throws -> String {
        let url = try await fresh(migrate: false)
        _ = try await migrate(url, with: try Migrator(sqlDirectory: sqlDirectory, preference: preference, logger: quietLogger))
        return url
    }

    /// Migrates `url` with `migrator` (by default the bundled tree, as ``fresh(migrate:)`` does).
    @discardableResult
    public static func migrate(_ url: String, with migrator: Migrator? = nil) async throws -> Migrator.Report {
        let migrator = try migrator ?? Migrator(preference: preference, logger: quietLogger)
        return try await query(url) { conn throws(StoreError) in try migrator.migrate(conn) }
    }

    /// The versioned migrations of this tree that b6689ff's did not have, in the order an upgrade
    /// from it applies them (in the mode of ``fresh(migrate:)``).
    public static func migrationsSinceB6689ff() throws -> [String] {
        let old = try Migrator(sqlDirectory: schemaB6689ff, preference: preference, logger: quietLogger)
        let new = try Migrator(preference: preference, logger: quietLogger)
        let had = Set((old.plain + old.timescale).map(\.name))
        let files = new.plain + (preference == .timescale ? new.timescale : [])
        return files.map(\.name).filter { !had.contains($0) }
    }

    /// The mode preference of ``fresh(migrate:)``.
    public static var preference: ModePreference { timescaleURL == nil ? .plain : .timescale }

    static var quietLogger: Logger {
        var quiet = Logger(label: "test.migrate")
        quiet.logLevel = .warning
        return quiet
    }
}
