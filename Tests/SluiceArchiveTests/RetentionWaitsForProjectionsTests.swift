import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceArchive

/// What the projector folded from a dropped day exists only in the projections: retention drops a
/// day only once every row of it has been folded.
@Suite struct RetentionWaitsForProjectionsTests {
    @Test func aDayWithRowsNotYetProjectedIsKeptUntilTheyAre() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        let logger = ArchiveFixtures.logger
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 300, seed: 1), in: db)  // projected
        // A late event into the same day, stored but not folded yet.
        var e = CopyBinaryEncoder()
        for event in ArchiveFixtures.events(daysAgo: 40, count: 5, seed: 2) { e.append(event) }
        let stream = CopyBinaryEncoder.stream([e])
        _ = try await TestDatabase.query(db) { conn throws(StoreError) in try EventWriter.write(stream, on: conn) }

        let first = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        #expect(first.map(\.action) == [.skipped])
        #expect(first.first?.reason?.contains("5 rows are not in the projections yet") == true, "\(first)")
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM agent_events") == "305")

        let second = try await ArchiveFixtures.run(db) { conn in
            try catchUp(on: conn)
            return try Retention(configuration: config, logger: logger).run(on: conn)
        }
        #expect(second.map(\.action) == [.dropped])
        #expect(second.map(\.rows) == [305])
        #expect(try await ArchiveFixtures.scalar(db, "SELECT sum(event_count) FROM agent_events_hourly") == "305")
    }
}
