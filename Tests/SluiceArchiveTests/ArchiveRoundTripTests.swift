import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
import SluiceProjections
@testable import SluiceArchive

@Suite struct ArchiveRoundTripTests {
    /// Archive → verify → drop → restore: the restored rows equal the originals field for field
    /// (ingest_xid included), restoring twice stores nothing twice, the projections neither lose
    /// nor double count, and `lz4 -d` turns a file into a COPY stream PostgreSQL loads as it is.
    @Test func archiveVerifyDropRestore() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        for (daysAgo, n) in [(45, 1500), (33, 2500), (31, 10), (3, 700)] {
            try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: daysAgo, count: n, seed: daysAgo), in: db)
        }
        let original = try await ArchiveFixtures.rows(before: 30, in: db)
        #expect(original.count == 4010)
        let idle = Duration.seconds(1800)
        let projections = "SELECT (SELECT sum(event_count) FROM agent_events_hourly), (SELECT sum(tokens_in) FROM agent_events_hourly), (SELECT sum((metrics->>'events')::int) FROM agent_sessions)"
        let before = try await ArchiveFixtures.run(db) { conn in
            try catchUp(idle, conn)
            return try conn.execute(projections).rows
        }

        let logger = ArchiveFixtures.logger
        let written = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        #expect(written.map(\.manifest.rows) == [1500, 2500, 10, 700])
        #expect(written.allSatisfy { $0.manifest.part == 1 && $0.manifest.ratio > 1 })
        let again = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        #expect(again.isEmpty)

        let verified = try await ArchiveFixtures.run(db) { conn in try ArchiveVerifier(configuration: config, logger: logger).verify(on: conn) }
        #expect(verified.count == 4 && verified.allSatisfy { $0.failure == nil && $0.checkedAgainst == "database" })

        // The stock lz4 tool gives the payload; PostgreSQL loads it with nothing else.
        let file = ArchiveDirectory(root: config.directory).dataFile(day: ArchiveFixtures.dayString(daysAgo: 33), part: 1)
        let payload = file.path + ".copy"
        try await runTool(["lz4", "-d", "-q", "-f", file.path, payload])
        let loaded = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("CREATE TABLE lz4_check (LIKE agent_events)")
            let bytes = [UInt8](FileManager.default.contents(atPath: payload) ?? Data())
            let columns = ArchivePayload.columnList.joined(separator: ", ")
            return try conn.copyIn("COPY lz4_check (\(columns)) FROM STDIN (FORMAT binary)", data: bytes)
        }
        #expect(loaded == 2500)

        let dryRun = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(dryRun: true, on: conn) }
        #expect(dryRun.map(\.action) == [.wouldDrop, .wouldDrop, .wouldDrop])
        #expect(try await ArchiveFixtures.rows(before: 30, in: db).count == 4010)

        let decisions = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        #expect(decisions.map(\.action) == [.dropped, .dropped, .dropped])
        #expect(decisions.map(\.rows) == [1500, 2500, 10])
        #expect(try await ArchiveFixtures.rows(before: 30, in: db).isEmpty)
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM agent_events") == "700")
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM sluice_retention_log WHERE action = 'dropped' AND jsonb_array_length(manifests) = 1") == "3")
        let afterDrop = try await ArchiveFixtures.run(db) { conn in try ArchiveVerifier(configuration: config, logger: logger).verify(on: conn) }
        #expect(afterDrop.filter { $0.checkedAgainst == "manifest" }.count == 3 && afterDrop.allSatisfy { $0.failure == nil })

        let restorer = ArchiveRestorer(configuration: config, logger: logger)
        let (from, to) = (ArchiveFixtures.dayString(daysAgo: 45), ArchiveFixtures.dayString(daysAgo: 31))
        let restored = try await ArchiveFixtures.run(db) { conn in try restorer.restore(fromDay: from, toDay: to, on: conn) }
        #expect(restored.map(\.inserted) == [1500, 2500, 10])
        #expect(try await ArchiveFixtures.rows(before: 30, in: db) == original)
        let twice = try await ArchiveFixtures.run(db) { conn in try restorer.restore(fromDay: from, toDay: to, on: conn) }
        #expect(twice.map(\.inserted) == [0, 0, 0])
        #expect(try await ArchiveFixtures.rows(before: 30, in: db) == original)

        // Restored rows are neither archived again nor folded again.
        let after = try await ArchiveFixtures.run(db) { conn in
            try catchUp(idle, conn)
            return try conn.execute(projections).rows
        }
        #expect(after == before)
        let rearchived = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        #expect(rearchived.isEmpty)

        // Into another database, from the directory alone.
        let other = try await TestDatabase.fresh()
        _ = try await ArchiveFixtures.run(other) { conn in try restorer.restore(fromDay: from, toDay: to, on: conn) }
        #expect(try await ArchiveFixtures.rows(before: 30, in: other) == original)
    }
}

/// Steps the projector until it has folded every stored row (the xmin horizon is cluster-wide,
/// and parallel tests share the cluster, so one step may not be enough).
func catchUp(_ idle: Duration, _ conn: PostgresConnection) throws {
    let deadline = Date().addingTimeInterval(60)
    while true {
        _ = try Projector.stepAll(idleTimeout: idle, on: conn)
        let behind = try conn.execute("""
            SELECT EXISTS (SELECT 1 FROM agent_events WHERE ingest_xid >= sluice_projected_horizon())
            """).scalar(String.self) == "t"
        if !behind { return }
        if Date() > deadline { throw StoreError.protocolViolation("the projector did not catch up in 60 s") }
        usleep(20_000)
    }
}
