import Foundation
import Testing
import SluiceStore
import SluiceTestSupport

@Suite struct MigrationTests {
    /// Plain mode where the extension is missing (CI), TimescaleDB mode on a server that has it
    /// (`SLUICE_TEST_TIMESCALE_URL`).
    @Test func appliesEachFileOnceAndRecordsTheMode() async throws {
        let url = try await TestDatabase.fresh(migrate: false)
        let migrator = try Migrator(preference: .auto)
        let (first, second) = try await TestDatabase.query(url) { conn throws(StoreError) in
            (try migrator.migrate(conn), try migrator.migrate(conn))
        }
        let expected = migrator.plain.map(\.name) + (TestDatabase.mode == .timescale ? migrator.timescale.map(\.name) : [])
        #expect(first.mode == TestDatabase.mode)
        #expect(first.applied == expected)
        #expect(second.applied.isEmpty)
        let (mode, count, keyColumns) = try await TestDatabase.query(url) { conn throws(StoreError) in
            (try conn.execute("SELECT sluice_mode()").scalar(String.self),
             try conn.execute("SELECT count(*) FROM sluice_migrations").scalar(String.self),
             try conn.execute("""
                SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM pg_constraint c
                CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                WHERE c.conrelid = 'agent_events'::regclass AND c.contype = 'p'
                """).scalar(String.self))
        }
        #expect(mode == TestDatabase.mode.rawValue)
        #expect(count == String(expected.count))
        #expect(keyColumns == "id,timestamp")
    }

    @Test func concurrentMigratorsDoNotCollide() async throws {
        let url = try await TestDatabase.fresh(migrate: false)
        let migrator = try Migrator(preference: .plain)
        let reports = try await withThrowingTaskGroup(of: Migrator.Report.self) { group in
            for _ in 0..<3 {
                group.addTask { try await TestDatabase.query(url) { conn throws(StoreError) in try migrator.migrate(conn) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(reports.reduce(0) { $0 + $1.applied.count } == migrator.plain.count)
    }

    @Test func refusesToSwitchTheModeOfAMigratedDatabase() async throws {
        let url = try await TestDatabase.fresh()
        let migrator = try Migrator(preference: TestDatabase.mode == .plain ? .timescale : .plain)
        await #expect(throws: StoreError.self) {
            try await TestDatabase.query(url) { conn throws(StoreError) in try migrator.migrate(conn) }
        }
    }

    @Test func doctorDescribesTheDatabase() async throws {
        let url = try await TestDatabase.fresh()
        let report = try await TestDatabase.query(url) { conn throws(StoreError) in try Migrator().doctor(conn) }
        #expect(report.mode == TestDatabase.mode.rawValue)
        #expect(report.pending.isEmpty)
        if TestDatabase.mode == .plain {
            #expect(report.partitions.count == 43)  // 35 days back, today, 7 ahead
            #expect(report.description.contains("partitions:      43 daily"))
        }
        #expect(report.pendingDefinitions.isEmpty)
        #expect(report.description.contains("definitions:     \(report.definitions) current"), "\(report)")
    }

    /// A definition whose recorded checksum is not this build's (another build's `sluice migrate`)
    /// and one missing from the record are named, with the command that applies them.
    @Test func doctorNamesDefinitionsThatAreNotCurrent() async throws {
        let url = try await TestDatabase.fresh()
        let migrator = try Migrator()
        let (report, migrated, after) = try await TestDatabase.query(url) { conn throws(StoreError) in
            try conn.execute("UPDATE sluice_definitions SET checksum = 'other' WHERE name = 'functions/sluice_num.sql'")
            try conn.execute("DELETE FROM sluice_definitions WHERE name = 'functions/sluice_is_error.sql'")
            return (try migrator.doctor(conn), try migrator.migrate(conn), try migrator.doctor(conn))
        }
        let stale = ["functions/sluice_num.sql", "functions/sluice_is_error.sql"]
        #expect(report.pendingDefinitions == stale)
        #expect(report.pending.isEmpty)
        #expect(report.description.contains(
            "definitions:     2 of \(report.definitions) not current: functions/sluice_num.sql, functions/sluice_is_error.sql (run `sluice migrate`)"),
            "\(report)")
        #expect(migrated.definitions == stale)
        #expect(after.pendingDefinitions.isEmpty)
    }

    /// The comparison itself: a migration not applied, a definition changed, one never applied.
    @Test func pendingSchemaNamesWhatMigrateWouldApply() {
        let expected = SchemaExpectation(migrations: ["m1", "m2"], definitions: ["a", "b", "c"], checksums: ["a": "1", "b": "2", "c": "3"])
        let current = RecordedSchema(migrations: ["m1", "m2"], definitions: ["a": "1", "b": "2", "c": "3", "gone": "9"])
        #expect(expected.pending(in: current).isEmpty)
        #expect(expected.pending(in: current).advice == nil)
        let behind = RecordedSchema(migrations: ["m1"], definitions: ["a": "1", "b": "x"])
        #expect(expected.pending(in: behind) == PendingSchema(migrations: ["m2"], definitions: ["b", "c"]))
        #expect(expected.pending(in: behind).advice == "migrations not applied: m2; definitions not current: b, c; run `sluice migrate`")
    }
}
