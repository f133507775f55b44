import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceArchive

@Suite struct LateEventOnDroppedDayTests {
    /// Events that arrive for a day retention already dropped reach every aggregate, in both modes,
    /// without erasing what the dropped rows gave them, and nothing is lost: plain mode folds them
    /// as they come; TimescaleDB mode keeps them out of the continuous aggregates until retention
    /// runs again, which restores the day's parts, archives the late rows as another part,
    /// refreshes the aggregates over the whole day and drops it again. Restoring the day at the end
    /// gives back every row, and the aggregates equal a raw GROUP BY of them.
    @Test func lateEventsReachTheAggregatesAndTheArchive() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        let logger = ArchiveFixtures.logger
        let day = ArchiveFixtures.dayString(daysAgo: 35)
        let events = "SELECT sum(event_count)::text FROM agent_events_hourly"
        let daily = "SELECT sum(event_count)::text FROM agent_events_daily"

        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 35, count: 600), in: db)
        _ = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        let first = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        #expect(first.map(\.action) == [.dropped], "\(first.map { $0.reason ?? "" })")
        #expect(try await ArchiveFixtures.scalar(db, events) == "600")
        #expect(try await ArchiveFixtures.scalar(db, daily) == "600")

        // Late events for the dropped day (stored and projected like any other), in the hour of
        // the others: below the continuous aggregates' watermark, so not shown in real time.
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 35, count: 7, seed: 86_100), in: db)
        #expect(try await ArchiveFixtures.rows(before: 30, in: db).count == 7)
        let meanwhile = try await ArchiveFixtures.scalar(db, events)
        #expect(meanwhile == (TestDatabase.mode == .plain ? "607" : "600"), "the dropped day's aggregates are kept either way")

        let dryRun = try await ArchiveFixtures.run(db) { conn in
            try Retention(configuration: config, logger: logger).run(dryRun: true, on: conn)
        }
        #expect(dryRun.map(\.action) == [.wouldDrop])
        #expect(dryRun.first?.reason?.contains("restoring 1 dropped parts") == (TestDatabase.mode == .timescale), "\(dryRun.first?.reason ?? "")")

        let second = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        #expect(second.map(\.action) == [.dropped], "\(second.map { $0.reason ?? "" })")
        #expect(second.map(\.rows) == [TestDatabase.mode == .plain ? 7 : 607])
        #expect(try await ArchiveFixtures.rows(before: 30, in: db).isEmpty)
        #expect(try await ArchiveFixtures.scalar(db, events) == "607")
        #expect(try await ArchiveFixtures.scalar(db, daily) == "607")
        let parts = try await ArchiveFixtures.run(db) { conn in try ArchiveCatalog.parts(day: day, on: conn).map { [$0.part, $0.manifest.rows] } }
        #expect(parts == [[1, 600], [2, 7]])

        // Everything is in the archive once, and the aggregates are the fold of it.
        let restored = try await ArchiveFixtures.run(db) { conn in
            try ArchiveRestorer(configuration: config, logger: logger).restore(fromDay: day, toDay: day, on: conn)
        }
        #expect(restored.map(\.inserted).reduce(0, +) == 607)
        let equal = try await TestDatabase.query(db) { conn throws(StoreError) in
            try [(RawAggregates.projected, RawAggregates.raw), (RawAggregates.dailyProjected, RawAggregates.dailyRaw),
                 (RawAggregates.allProjectsProjected, RawAggregates.allProjectsRaw)].map { projected, raw throws(StoreError) in
                try conn.execute(projected).rows == conn.execute(raw).rows
            }
        }
        #expect(equal == [true, true, true])
    }
}
