import Foundation
import Testing
import SluiceCore
import SluiceProcess
import SluiceStore
import SluiceTestSupport
@testable import SluiceArchive

/// The archive and retention commands as a child process (the built `sluice`).
@Suite struct ArchiveCommandTests {
    /// `archive run`, `archive list`, `retention run --dry-run` (which says what a real run would
    /// do and changes nothing: no part written, no row dropped, no `verified_at` touched),
    /// `archive verify` exiting 1 on a corrupted file, then a real `retention run`.
    @Test func listVerifyAndDryRun() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        for (daysAgo, n) in [(40, 400), (35, 300), (3, 50)] {
            try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: daysAgo, count: n, seed: daysAgo), in: db)
        }
        let (d40, d35, d3) = (ArchiveFixtures.dayString(daysAgo: 40), ArchiveFixtures.dayString(daysAgo: 35), ArchiveFixtures.dayString(daysAgo: 3))
        let env = ["DATABASE_URL": db, "SLUICE_ARCHIVE_DIR": config.directory.path, "SLUICE_RETENTION_DAYS": "30",
                   "SLUICE_ARCHIVE_AFTER_DAYS": "1", "LOG_LEVEL": "critical"]
        func sluice(_ arguments: String...) async throws -> (status: Int32, lines: [String]) {
            let r = try await runTool([sluiceExecutable] + arguments, environment: env, check: false)
            return (r.status, r.output.split(separator: "\n").map(String.init))
        }
        func line(_ lines: [String], _ prefix: String) -> String { lines.first { $0.hasPrefix(prefix) } ?? "(no line for \(prefix))" }
        func verifiedAt(_ day: String) async throws -> String? {
            try await ArchiveFixtures.run(db) { conn in
                try conn.execute("SELECT verified_at::text FROM sluice_archive_parts WHERE day = $1::date", [day]).scalar(String.self)
            }
        }

        let run = try await sluice("archive", "run")
        #expect(run.status == 0 && run.lines.last == "archived 3 part(s)", "\(run)")

        let list = try await sluice("archive", "list")
        #expect(list.status == 0)
        #expect(list.lines.first?.hasPrefix("day ") == true)
        for (day, rows) in [(d40, 400), (d35, 300), (d3, 50)] {
            let l = line(list.lines, day)
            #expect(l.contains(" \(rows) ") && l.hasSuffix("verified"), "\(l)")
        }

        // A late event: the dry run says it would be archived first, and archives nothing.
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 35, count: 1, seed: 9_999), in: db)
        let dry = try await sluice("retention", "run", "--dry-run")
        #expect(dry.status == 0)
        #expect(line(dry.lines, d40) == "\(d40): would drop, 400 rows")
        #expect(line(dry.lines, d35).hasPrefix("\(d35): would drop, 301 rows (after archiving 1 rows not archived yet"), "\(dry.lines)")
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM sluice_archive_parts") == "3")
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM agent_events") == "751")

        // One flipped byte: the dry run already says the day would be kept, as a real run would
        // find, without recording anything; verify exits 1 and records it.
        let file = ArchiveDirectory(root: config.directory).dataFile(day: d40, part: 1)
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: file)
        let verifiedBefore = try await verifiedAt(d40)
        let dryAgain = try await sluice("retention", "run", "--dry-run")
        #expect(dryAgain.status == 0)
        #expect(line(dryAgain.lines, d40).hasPrefix("\(d40): skipped, 400 rows (part 1 failed verification: archive: "), "\(dryAgain.lines)")
        #expect(line(dryAgain.lines, d40).contains("is damaged"))
        let verifiedAfter = try await verifiedAt(d40)
        #expect(verifiedBefore != nil && verifiedAfter == verifiedBefore)

        let verify = try await sluice("archive", "verify")
        #expect(verify.status == 1, "\(verify)")
        #expect(line(verify.lines, "\(d40) part 1").contains("FAILED: archive: "))
        #expect(line(verify.lines, "\(d35) part 1").hasSuffix("ok (rows checked against the database)"))
        #expect(try await verifiedAt(d40) == nil)
        #expect(line(try await sluice("archive", "list").lines, d40).hasSuffix("UNVERIFIED"))
        #expect(try await sluice("archive", "verify", d35).status == 0)

        let real = try await sluice("retention", "run")
        #expect(real.status == 0)
        #expect(line(real.lines, d40).hasPrefix("\(d40): skipped, 400 rows (part 1 failed verification"))
        #expect(line(real.lines, d35) == "\(d35): dropped, 301 rows")
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM agent_events") == "450")
        #expect(try await ArchiveFixtures.scalar(db,
            "SELECT string_agg(action, ',' ORDER BY id) FROM sluice_retention_log") == "would_drop,would_drop,skipped,would_drop,skipped,dropped")
    }
}
