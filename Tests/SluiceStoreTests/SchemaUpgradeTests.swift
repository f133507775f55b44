import Foundation
import Testing
import SluiceProcess
import SluiceStore
import SluiceTestSupport

/// The SQL layout of docs/sql-layout.md: a fresh database and one migrated by the last version
/// before it (main at b6689ff, frozen in SluiceTestSupport/Fixtures) end with the same schema,
/// function bodies included. Runs in the mode of `TestDatabase.fresh()` (TimescaleDB with
/// `SLUICE_TEST_TIMESCALE_URL`).
@Suite struct SchemaUpgradeTests {
    @Test func upgradedSchemaEqualsFreshSchema() async throws {
        let fresh = try await TestDatabase.fresh()
        let upgraded = try await TestDatabase.fresh(migratedBy: TestDatabase.schemaB6689ff)
        let before = try await SchemaDump.of(upgraded)
        let report = try await TestDatabase.migrate(upgraded)
        #expect(report.applied == (try TestDatabase.migrationsSinceB6689ff()))
        #expect(report.applied.first == "migrations/0023_drop_dead_functions.sql")
        let (expected, actual) = (try await SchemaDump.of(fresh), try await SchemaDump.of(upgraded))
        let (onlyUpgraded, onlyFresh) = (actual.subtracting(expected).sorted(), expected.subtracting(actual).sorted())
        #expect(onlyUpgraded == [String](), "objects only in the upgraded database")
        #expect(onlyFresh == [String](), "objects only in the fresh database")
        // What the upgrade changed: the dead function dropped, the definitions' bookkeeping added,
        // the migrations since b6689ff (0024: api_keys gains its rate columns), and the definitions
        // changed or added since.
        let dropped = before.subtracting(actual).map { SchemaDump.title($0) }.sorted()
        let added = actual.subtracting(before).map { SchemaDump.title($0) }.sorted()
        // 0025: agent_events and each of its partitions gain the fact columns.
        let eventTables = before.map { SchemaDump.title($0) }
            .filter { $0 == "TABLE agent_events" || $0 == "TABLE agent_events_default" || $0.wholeMatch(of: /TABLE agent_events_p\d{8}/) != nil }
        #expect(eventTables.count > 2)
        let changed = [
            "FUNCTION sluice_session_partials(xid8, xid8, uuid[], timestamp with time zone[])",  // context: the earliest event's; facts
            "FUNCTION sluice_timescale_drop_refusal(date)",  // its policy check moved to sluice_timescale_policy_refusal
            "FUNCTION sluice_event_facts(xid8, xid8, uuid[], timestamp with time zone[])",  // read through sluice_fold_facts
            "FUNCTION sluice_project_aggregates(xid8, xid8, uuid[], timestamp with time zone[])",  // one merge rule a rollup kind
        ] + eventTables
        let new = ["FUNCTION sluice_timescale_policy_refusal(date)", "FUNCTION sluice_fold_facts(xid8, xid8, uuid[], timestamp with time zone[])"]
        #expect(dropped == (["FUNCTION sluice_archived_part_rows(date, integer)", "TABLE api_keys"] + changed).sorted())
        #expect(added == (["CONSTRAINT sluice_definitions sluice_definitions_pkey", "TABLE api_keys", "TABLE sluice_definitions"]
            + changed + new).sorted())
    }

    /// A definition is applied once, and again when its text changes; nothing else is.
    @Test func definitionsApplyWhenTheirTextChanges() async throws {
        let url = try await TestDatabase.fresh()
        var migrator = try Migrator(preference: TestDatabase.preference)
        let expected = TestDatabase.mode == .timescale
            ? migrator.definitions.plainInTimescale + migrator.definitions.timescale : migrator.definitions.plain
        let recorded = try await TestDatabase.query(url) { conn throws(StoreError) in
            try conn.execute("SELECT name FROM sluice_definitions ORDER BY applied_at, name").rows.compactMap { $0[0] }
        }
        #expect(Set(recorded) == Set(expected.map(\.name)))
        #expect(try await TestDatabase.migrate(url, with: migrator).definitions == [])

        let name = "functions/sluice_histogram_quantile.sql"
        let index = try #require(migrator.definitions.plain.firstIndex { $0.name == name })
        var changed = migrator.definitions.plain[index]
        changed.sql += "\n-- changed\n"
        migrator.definitions.plain[index] = changed
        migrator.definitions.plainInTimescale = migrator.definitions.plainInTimescale.map { $0.name == name ? changed : $0 }
        #expect(try await TestDatabase.migrate(url, with: migrator).definitions == [name])
        #expect(try await TestDatabase.migrate(url, with: migrator).definitions == [])
    }

    /// Versioned migrations hold no function, trigger or view, and every function of the schema
    /// has its file: functions/<name>.sql or functions/<name>.timescale.sql.
    @Test func everyDefinitionLivesInItsOwnFile() async throws {
        let migrator = try Migrator(preference: TestDatabase.preference)
        let definitionStatement = /(?i)CREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|AGGREGATE|PROCEDURE|TRIGGER|VIEW)\b/
        for m in migrator.plain + migrator.timescale {
            #expect(m.sql.firstMatch(of: definitionStatement) == nil, "\(m.name) defines a function, trigger or view")
        }
        let url = try await TestDatabase.fresh()
        let functions = try await TestDatabase.query(url) { conn throws(StoreError) in
            try conn.execute("""
                SELECT DISTINCT p.proname FROM pg_proc p
                WHERE p.pronamespace = current_schema()::regnamespace
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
                ORDER BY 1
                """).rows.compactMap { $0[0] }
        }
        let files = Set((migrator.definitions.plain + migrator.definitions.timescale).map(\.name))
        for f in functions {
            #expect(files.contains("functions/\(f).sql") || files.contains("functions/\(f).timescale.sql"), "\(f) has no file in functions/")
        }
    }

    /// The manifest and the files must agree: a file it does not list is refused with what to do.
    @Test func anUnlistedDefinitionIsRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sql-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for directory in ["migrations", "timescale", "functions"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        try "functions/a\n".write(to: root.appendingPathComponent("definitions.txt"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: root.appendingPathComponent("functions/a.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: root.appendingPathComponent("functions/b.timescale.sql"), atomically: true, encoding: .utf8)
        let error = #expect(throws: StoreError.self) { try Migrator(sqlDirectory: root) }
        #expect(error.map { "\($0)".contains("functions/b.timescale.sql is not listed in definitions.txt") } == true)
    }
}

/// `pg_dump --schema-only` of a database as a set of objects: one element per object (its
/// statements, without pg_dump's comments and settings), so that the order pg_dump chose and
/// object ids do not count.
enum SchemaDump {
    static func of(_ url: String) async throws -> Set<String> {
        let dump = try await runTool([try EmbeddedCluster.programPath("pg_dump"), "--schema-only", "--no-owner", "--no-privileges", url]).output
        var objects: Set<String> = []
        for chunk in dump.components(separatedBy: "\n--\n-- Name: ").dropFirst() {
            let lines = chunk.split(separator: "\n", omittingEmptySubsequences: true)
            guard let header = lines.first else { continue }
            let body = lines.dropFirst().filter { line in !noise.contains { line.hasPrefix($0) } }
            objects.insert(title(ofHeader: String(header)) + "\n" + body.joined(separator: "\n"))
        }
        return objects
    }

    /// Lines that are no part of an object: comments, settings, and `\restrict` with its random key.
    static let noise = ["--", "SET ", "SELECT pg_catalog.set_config", "\\restrict", "\\unrestrict"]

    /// `FUNCTION sluice_mode()` of `sluice_mode(); Type: FUNCTION; Schema: public; Owner: -`.
    static func title(ofHeader header: String) -> String {
        let fields = header.components(separatedBy: "; ")
        let type = fields.first { $0.hasPrefix("Type: ") }.map { String($0.dropFirst(6)) } ?? "?"
        return "\(type) \(fields[0])"
    }

    /// The first line of an object: its type and name.
    static func title(_ object: String) -> String {
        String(object.prefix { $0 != "\n" })
    }
}
