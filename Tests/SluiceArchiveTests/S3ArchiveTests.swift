import Foundation
import NIOCore
import NIOHTTP1
import Testing
import SluiceCore
import SluiceProcess
import SluiceStore
import SluiceTestSupport
@testable import SluiceArchive

/// The archive in an S3-compatible bucket (moto on loopback): the same guarantees as the
/// directory's, including under faults.
@Suite struct S3ArchiveTests {
    static let enabled = MotoServer.available || MotoServer.isCI

    /// Archive to the bucket → verify → retention drops the days → restore brings every row back,
    /// into this database and into another one, from the bucket alone; the bucket holds the
    /// directory's names and files (copied into a directory, they verify).
    @Test(.enabled(if: enabled, "needs moto_server (pip install 'moto[server]'; scripts/install-deps.sh)"))
    func archiveVerifyDropRestore() async throws {
        let moto = try await MotoServer.start()
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration(objectStore: moto.location())
        let logger = ArchiveFixtures.logger
        for (daysAgo, n) in [(45, 1500), (33, 2500), (3, 700)] {
            try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: daysAgo, count: n, seed: daysAgo), in: db)
        }
        let original = try await ArchiveFixtures.rows(before: 30, in: db)
        #expect(original.count == 4000)

        let written = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        #expect(written.map(\.manifest.rows) == [1500, 2500, 700])
        let (d45, d33, d3) = (ArchiveFixtures.dayString(daysAgo: 45), ArchiveFixtures.dayString(daysAgo: 33), ArchiveFixtures.dayString(daysAgo: 3))
        let names = [d45, d33, d3].flatMap { ["archive/agent_events/\($0)/part-0001.manifest.json", "archive/agent_events/\($0)/part-0001.pgcopy.lz4"] }
        #expect(try await moto.keys() == names + ["archive/sluice-archive.json"])
        #expect(!FileManager.default.fileExists(atPath: config.directory.path), "nothing goes to the directory")

        let verified = try await ArchiveFixtures.run(db) { conn in try ArchiveVerifier(configuration: config, logger: logger).verify(on: conn) }
        #expect(verified.count == 3 && verified.allSatisfy { $0.failure == nil })

        // The objects are the directory's files: copied into a directory, they verify as one.
        let local = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: local.directory) }
        let client = moto.client
        let keys = try await moto.keys()
        try await offPool {
            for key in keys {
                let file = local.directory.appendingPathComponent(String(key.dropFirst("archive/".count)))
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(try client.checked(.GET, key: key, operation: "reading").body.readableBytesView).write(to: file)
            }
        }
        let asDirectory = try await ArchiveFixtures.run(db) { conn in try ArchiveVerifier(configuration: local, logger: logger).verify(on: conn) }
        #expect(asDirectory.count == 3 && asDirectory.allSatisfy { $0.failure == nil }, "\(asDirectory)")

        let decisions = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        #expect(decisions.map(\.action) == [.dropped, .dropped])
        #expect(try await ArchiveFixtures.rows(before: 30, in: db).isEmpty)

        let restorer = ArchiveRestorer(configuration: config, logger: logger)
        let restored = try await ArchiveFixtures.run(db) { conn in try restorer.restore(fromDay: d45, toDay: d33, on: conn) }
        #expect(restored.map(\.inserted) == [1500, 2500])
        #expect(try await ArchiveFixtures.rows(before: 30, in: db) == original)

        let other = try await TestDatabase.fresh()
        _ = try await ArchiveFixtures.run(other) { conn in try restorer.restore(fromDay: d45, toDay: d33, on: conn) }
        #expect(try await ArchiveFixtures.rows(before: 30, in: other) == original)
        await moto.stop()
    }

    /// A part above the threshold goes up in multipart pieces (its ETag says how many), reads back
    /// and verifies like any other.
    @Test(.enabled(if: enabled, "needs moto_server"))
    func multipartAboveTheThreshold() async throws {
        let moto = try await MotoServer.start()
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration(objectStore: moto.location(partBytes: MotoServer.minimumPieceBytes))
        let logger = ArchiveFixtures.logger
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 20_000, seed: 7), in: db)
        let written = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        let m = try #require(written.first?.manifest)
        #expect(m.fileBytes > 2 * MotoServer.minimumPieceBytes, "the part must need several pieces: \(m.fileBytes) bytes")
        let client = moto.client
        let key = "archive/agent_events/\(m.segment)/part-0001.pgcopy.lz4"
        let etag = try await offPool { try client.checked(.HEAD, key: key, operation: "heading").headers.first(name: "etag") ?? "" }
        let pieces = (m.fileBytes + MotoServer.minimumPieceBytes - 1) / MotoServer.minimumPieceBytes
        #expect(etag.hasSuffix("-\(pieces)\""), "ETag \(etag), \(m.fileBytes) bytes")
        let verified = try await ArchiveFixtures.run(db) { conn in try ArchiveVerifier(configuration: config, logger: logger).verify(on: conn) }
        #expect(verified.count == 1 && verified[0].failure == nil)
        #expect(try await moto.unfinishedUploads().isEmpty)
        await moto.stop()
    }

    /// An upload that fails midway is aborted: no object under the part's name, no unfinished
    /// upload, no catalog row; the next run archives the part. An unfinished upload that a killed
    /// run left is aborted by the next run.
    @Test(.enabled(if: enabled, "needs moto_server"))
    func uploadFailingMidwayLeavesNothingComplete() async throws {
        let moto = try await MotoServer.start()
        let db = try await TestDatabase.fresh()
        var location = moto.location(partBytes: MotoServer.minimumPieceBytes)
        location.failAfterPieces = 2
        let failing = ArchiveFixtures.configuration(objectStore: location)
        let logger = ArchiveFixtures.logger
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 20_000, seed: 3), in: db)
        let day = ArchiveFixtures.dayString(daysAgo: 40)
        await #expect(throws: ArchiveError.self) {
            _ = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: failing, logger: logger).run(on: conn) }
        }
        #expect(try await moto.keys() == ["archive/sluice-archive.json"])
        #expect(try await moto.unfinishedUploads().isEmpty)
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM sluice_archive_parts") == "0")

        // What a run killed mid-upload leaves: an unfinished multipart upload.
        let client = moto.client
        let leftover = "archive/agent_events/\(day)/part-0001.pgcopy.lz4"
        _ = try await offPool { try client.checked(.POST, key: leftover, query: [("uploads", "")], operation: "starting") }
        #expect(try await moto.unfinishedUploads() == [leftover])

        location.failAfterPieces = nil
        let config = ArchiveFixtures.configuration(objectStore: location)
        let written = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        #expect(written.map(\.manifest.rows) == [20_000])
        #expect(try await moto.unfinishedUploads().isEmpty)
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM sluice_archive_parts WHERE verified_at IS NOT NULL") == "1")
        await moto.stop()
    }

    /// With the store unreachable, retention drops nothing and says why.
    @Test(.enabled(if: enabled, "needs moto_server"))
    func storeUnreachableDuringRetentionDropsNothing() async throws {
        let moto = try await MotoServer.start()
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration(objectStore: moto.location())
        let logger = ArchiveFixtures.logger
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 900, seed: 5), in: db)
        _ = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        await moto.stop()

        let error = await #expect(throws: ArchiveError.self) {
            _ = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("Nothing was dropped"))
        #expect(try await ArchiveFixtures.rows(before: 30, in: db).count == 900)
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM sluice_retention_log WHERE action = 'dropped'") == "0")

        // Verify says why, naming what to check.
        let verifier = ArchiveVerifier(configuration: config, logger: logger)
        let results = try await ArchiveFixtures.run(db) { conn in try verifier.verify(on: conn) }
        #expect(results.count == 1 && results[0].failure?.contains("Check SLUICE_ARCHIVE_URL") == true)
    }

    /// An object overwritten through the S3 API with other bytes fails verification, and
    /// retention refuses the day.
    @Test(.enabled(if: enabled, "needs moto_server"))
    func corruptedObjectFailsVerifyAndRetentionRefuses() async throws {
        let moto = try await MotoServer.start()
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration(objectStore: moto.location())
        let logger = ArchiveFixtures.logger
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 900, seed: 9), in: db)
        _ = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }

        let client = moto.client
        let key = "archive/agent_events/\(ArchiveFixtures.dayString(daysAgo: 40))/part-0001.pgcopy.lz4"
        try await offPool {
            var bytes = Array(try client.checked(.GET, key: key, operation: "reading").body.readableBytesView)
            bytes[bytes.count / 2] ^= 0x5A
            _ = try client.checked(.PUT, key: key, body: bytes, operation: "overwriting")
        }
        let results = try await ArchiveFixtures.run(db) { conn in try ArchiveVerifier(configuration: config, logger: logger).verify(on: conn) }
        #expect(results.count == 1 && results[0].failure != nil, "\(results)")
        let decisions = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        #expect(decisions.map(\.action) == [.skipped] && decisions.first?.refusal == .verificationFailed)
        #expect(try await ArchiveFixtures.rows(before: 30, in: db).count == 900)
        await moto.stop()
    }

    /// The commands configured by the environment alone: `SLUICE_ARCHIVE_URL` and the `AWS_*`
    /// variables (path style by default with an endpoint); a bad variable is an error naming it.
    @Test(.enabled(if: enabled, "needs moto_server"))
    func commandsFromTheEnvironment() async throws {
        let moto = try await MotoServer.start()
        let db = try await TestDatabase.fresh()
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 300, seed: 11), in: db)
        let day = ArchiveFixtures.dayString(daysAgo: 40)
        let env = ["DATABASE_URL": db, "SLUICE_ARCHIVE_URL": "s3://\(moto.bucket)/cli", "AWS_ACCESS_KEY_ID": "testing",
                   "AWS_SECRET_ACCESS_KEY": "testing", "AWS_ENDPOINT_URL": "http://127.0.0.1:\(moto.port)", "AWS_REGION": "us-east-1",
                   "SLUICE_ARCHIVE_DIR": "/nonexistent/sluice-archive", "SLUICE_RETENTION_DAYS": "30", "LOG_LEVEL": "critical"]
        func sluice(_ extra: [String: String] = [:], _ arguments: String...) async throws -> ProcessResult {
            try await runTool([sluiceExecutable] + arguments, environment: env.merging(extra) { $1 }, check: false)
        }
        let run = try await sluice([:], "archive", "run")
        #expect(run.status == 0 && run.output.contains("archived 1 part(s)"), "\(run.output)")
        #expect(try await moto.keys().contains("cli/agent_events/\(day)/part-0001.pgcopy.lz4"))
        let verify = try await sluice([:], "archive", "verify")
        #expect(verify.status == 0 && verify.output.contains("1 part(s) verified"), "\(verify.output)")
        let retention = try await sluice([:], "retention", "run")
        #expect(retention.status == 0 && retention.output.contains("\(day): dropped, 300 rows"), "\(retention.output)")
        let restore = try await sluice([:], "archive", "restore", day)
        #expect(restore.status == 0 && restore.output.contains("300 restored"), "\(restore.output)")
        let bad = try await sluice(["AWS_ENDPOINT_URL": "localhost:9000"], "archive", "run")
        #expect(bad.status != 0 && bad.output.contains("AWS_ENDPOINT_URL=localhost:9000"), "\(bad.output)")
        await moto.stop()
    }
}
