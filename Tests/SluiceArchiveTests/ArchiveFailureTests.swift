import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceArchive

@Suite struct ArchiveFailureTests {
    /// One flipped byte in an archive file: verify reports it, and retention keeps the day.
    @Test func aCorruptedFileIsDetectedAndItsDayKept() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 3000), in: db)
        let logger = ArchiveFixtures.logger
        _ = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }

        let file = ArchiveDirectory(root: config.directory).dataFile(day: ArchiveFixtures.dayString(daysAgo: 40), part: 1)
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: file)

        let results = try await ArchiveFixtures.run(db) { conn in try ArchiveVerifier(configuration: config, logger: logger).verify(on: conn) }
        #expect(results.count == 1)
        #expect(results[0].failure?.contains("is damaged") == true)
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM sluice_archive_parts WHERE verified_at IS NULL") == "1")

        let decisions = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        #expect(decisions.map(\.action) == [.skipped])
        #expect(decisions[0].reason?.contains("failed verification") == true)
        #expect(try await ArchiveFixtures.rows(before: 30, in: db).count == 3000)
        #expect(try await ArchiveFixtures.scalar(db, "SELECT action || ':' || (reason LIKE '%damaged%')::text FROM sluice_retention_log") == "skipped:true")

        // Without the manifest's SHA-256, LZ4's own content checksum catches it too.
        #expect(throws: ArchiveError.self) { _ = try PartReader.read(file) }
    }

    /// A count retention decides on that comes back NULL (here `sluice_archive_pending`, redefined
    /// by hand) stops the run with the typed error naming the column: it is not read as 0 rows
    /// pending, as it was, which took the day's rows for archived.
    @Test func aNullCountStopsRetentionInsteadOfReadingZero() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 50), in: db)
        _ = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("CREATE OR REPLACE FUNCTION sluice_archive_pending(d date) RETURNS bigint LANGUAGE sql AS 'SELECT NULL::bigint'")
        }
        let logger = ArchiveFixtures.logger
        await #expect {
            _ = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        } throws: { error in
            guard case .decoding(let column, let value, let type) = error as? StoreError else { return false }
            return column == "sluice_archive_pending" && value == nil && type == "bigint"
        }
        #expect(try await ArchiveFixtures.rows(before: 30, in: db).count == 50)
    }

    /// A full disk: the archiver fails with a message saying so, leaves no partial file, records
    /// nothing, and retention drops nothing.
    @Test func aFullDiskFailsCleanlyAndDropsNothing() async throws {
        let db = try await TestDatabase.fresh()
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("archive-full-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        try await runTool(["mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", mount.path])
        defer {
            _ = try? runToolBlocking(["umount", mount.path])
            try? FileManager.default.removeItem(at: mount)
        }
        let config = ArchiveFixtures.configuration(directory: mount)
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 20_000), in: db)
        let logger = ArchiveFixtures.logger

        await #expect {
            _ = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        } throws: { error in
            "\(error)".contains("The archive directory is full") && "\(error)".contains("Nothing was dropped")
        }
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM sluice_archive_parts") == "0")
        let leftovers = FileManager.default.enumerator(atPath: mount.path)?.allObjects as? [String] ?? []
        #expect(leftovers.filter { $0.hasSuffix(".lz4") || $0.hasSuffix(".tmp") }.isEmpty)

        let decisions = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        #expect(decisions.map(\.action) == [.skipped])
        #expect(decisions[0].reason?.contains("full") == true)
        #expect(try await ArchiveFixtures.rows(before: 30, in: db).count == 20_000)
    }

    /// A day that receives an event after it was archived gets a second part before it is dropped,
    /// and a restore brings back both parts: nothing is lost.
    @Test func aLateEventIsArchivedAsAnotherPartBeforeTheDrop() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 35, count: 900), in: db)
        let logger = ArchiveFixtures.logger
        _ = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }

        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 35, count: 3, seed: 5000), in: db)
        let original = try await ArchiveFixtures.rows(before: 30, in: db)
        #expect(original.count == 903)

        let decisions = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        #expect(decisions.map(\.action) == [.dropped])
        #expect(decisions.map(\.rows) == [903])
        let parts = try await ArchiveFixtures.run(db) { conn in try ArchiveCatalog.parts(on: conn).map { [$0.part, $0.manifest.rows] } }
        #expect(parts == [[1, 900], [2, 3]])
        #expect(try await ArchiveFixtures.rows(before: 30, in: db).isEmpty)

        let day = ArchiveFixtures.dayString(daysAgo: 35)
        _ = try await ArchiveFixtures.run(db) { conn in
            try ArchiveRestorer(configuration: config, logger: logger).restore(fromDay: day, toDay: day, on: conn)
        }
        #expect(try await ArchiveFixtures.rows(before: 30, in: db) == original)
    }
}

