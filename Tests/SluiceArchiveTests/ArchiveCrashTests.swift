import Foundation
import Testing
import SluiceCore
import SluiceProcess
import SluiceStore
import SluiceTestSupport
@testable import SluiceArchive

@Suite struct ArchiveCrashTests {
    static let points = ["export", "sealed", "published", "verified", "manifest", "before-commit", "after-commit", "before-drop"]

    /// `sluice archive run` and `sluice retention run` are killed (SIGKILL) at every crash point
    /// and at random moments, over many runs, with late events arriving in between for each of the
    /// three days in turn: days 40 and 38 are dropped along the way (retention at 37 days), so late
    /// events also land in days already dropped. Every crash point is reached (its run dies of
    /// SIGKILL) at least once. After each crash no day is dropped unless all its parts are
    /// verified; in the end every event is in exactly one archive part, and the archive restores
    /// every event ever stored.
    @Test func killedAnywhereTheArchiveEndsCompleteAndExactlyOnce() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        var stored = 0
        for daysAgo in [40, 38, 36] {
            try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: daysAgo, count: 3000, seed: daysAgo), in: db)
            stored += 3000
        }
        let env = ["DATABASE_URL": db, "SLUICE_ARCHIVE_DIR": config.directory.path, "SLUICE_RETENTION_DAYS": "37", "LOG_LEVEL": "error"]
        let seed = SeededGenerator.testSeed()
        var random = SeededGenerator(seed: seed)
        var killedAt: Set<String> = []
        var lateIntoDropped: [Int] = []
        for round in 0..<(2 * Self.points.count + 6) {
            let command = round % 2 == 0 ? ["archive", "run"] : ["retention", "run"]
            if round < 2 * Self.points.count {
                let point = Self.points[round / 2]
                let result = try await runTool([sluiceExecutable] + command, environment: env.merging(["SLUICE_ARCHIVE_CRASH_AT": point]) { $1 }, check: false)
                #expect(result.status == 0 || result.status == 128 + SIGKILL, "\(command) at \(point): \(result.output)")
                if result.status == 128 + SIGKILL { killedAt.insert(point) }
            } else {
                let (arguments, ms) = ([sluiceExecutable] + command, Int.random(in: 0...400, using: &random))
                try await Self.killAtRandom(arguments, environment: env, afterMilliseconds: ms)
            }
            // Late events for a day that may already be archived, or even dropped: every third
            // round, the three days in turn.
            if round % 3 == 2 {
                let daysAgo = [40, 38, 36][(round / 3) % 3]
                let day = ArchiveFixtures.dayString(daysAgo: daysAgo)
                let dropped = try await ArchiveFixtures.run(db) { conn in
                    try conn.execute("SELECT count(*) FROM sluice_archive_parts WHERE day = $1::date AND dropped_at IS NOT NULL", [day]).scalar(String.self)
                }
                if dropped != "0" { lateIntoDropped.append(daysAgo) }
                try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: daysAgo, count: 5, seed: 10_000 + round), in: db)
                stored += 5
            }
            let unverifiedDropped = try await ArchiveFixtures.scalar(db, """
                SELECT count(*) FROM sluice_archive_parts p WHERE p.dropped_at IS NOT NULL
                   AND EXISTS (SELECT 1 FROM sluice_archive_parts q WHERE q.day = p.day AND q.verified_at IS NULL)
                """)
            #expect(unverifiedDropped == "0", "seed \(seed), round \(round)")
        }

        // The hook fired at every point (a run that never reaches its point exits 0), and late
        // events went into a dropped day.
        #expect(killedAt == Set(Self.points), "seed \(seed): never killed at \(Set(Self.points).subtracting(killedAt).sorted())")
        #expect(!lateIntoDropped.isEmpty, "no late event went into a dropped day")

        // Finish the job without crashes.
        let logger = ArchiveFixtures.logger
        _ = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        let retentionConfig = ArchiveConfiguration(directory: config.directory, retentionDays: 37)
        _ = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: retentionConfig, logger: logger).run(on: conn) }

        // Files and catalog agree part for part; the parts hold every event exactly once.
        let catalog = try await ArchiveFixtures.run(db) { conn in try ArchiveCatalog.parts(on: conn) }
        let onDisk = try ArchiveDirectory(root: config.directory).manifests().map(\.manifest)
        #expect(Set(onDisk.map { "\($0.segment)/\($0.part)" }) == Set(catalog.map { "\($0.day)/\($0.part)" }))
        #expect(catalog.allSatisfy { $0.verifiedAt != nil })
        #expect(catalog.reduce(0) { $0 + $1.manifest.rows } == stored, "seed \(seed)")
        let dirNames = FileManager.default.enumerator(atPath: config.directory.path)?.allObjects as? [String] ?? []
        #expect(dirNames.filter { $0.hasSuffix(".tmp") }.isEmpty)

        let verified = try await ArchiveFixtures.run(db) { conn in try ArchiveVerifier(configuration: config, logger: logger).verify(on: conn) }
        #expect(verified.allSatisfy { $0.failure == nil })

        let fresh = try await TestDatabase.fresh()
        let (from, to) = (ArchiveFixtures.dayString(daysAgo: 40), ArchiveFixtures.dayString(daysAgo: 36))
        let restored = try await ArchiveFixtures.run(fresh) { conn in
            try ArchiveRestorer(configuration: config, logger: logger).restore(fromDay: from, toDay: to, on: conn)
        }
        #expect(restored.reduce(0) { $0 + $1.inserted } == stored, "seed \(seed)")
        #expect(try await ArchiveFixtures.rows(before: 30, in: fresh).count == stored)
    }

    /// Starts `arguments`, kills it with SIGKILL after `ms` milliseconds unless it ended first.
    static func killAtRandom(_ arguments: [String], environment: [String: String], afterMilliseconds ms: Int) async throws {
        let child = try ChildProcess.spawn(arguments, environment: environment)
        if await child.wait(timeout: .milliseconds(ms)) == nil { child.signal(SIGKILL) }
        _ = await child.wait()
    }
}
