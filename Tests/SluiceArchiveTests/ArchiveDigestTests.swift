import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceArchive

@Suite struct ArchiveDigestTests {
    /// The key digest the archiver computes from the rows PostgreSQL sends, the one the reader
    /// computes from the file and `sluice_archived_part_digest()` computes from the database agree,
    /// for times after and before 2000 (negative binary timestamps) alike; manifests are version 2.
    @Test func theDigestIsTheSameFromTheExportTheFileAndTheDatabase() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        var events = ArchiveFixtures.events(daysAgo: 40, count: 700)
        var old = ArchiveFixtures.events(daysAgo: 0, count: 3, seed: 77)
        for i in old.indices { old[i].timestamp = Timestamp(microsecondsSinceEpoch: 946_684_800_000_000 - 86_400_000_000 + Int64(i) * 1_000_001) }
        events += old
        try await ArchiveFixtures.store(events, in: db)
        let logger = ArchiveFixtures.logger
        let written = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        #expect(written.map(\.manifest.rows) == [3, 700])
        for w in written {
            let m = w.manifest
            #expect(m.version == 2 && m.keyDigest != nil)
            let file = ArchiveDirectory(root: config.directory).dataFile(day: m.segment, part: m.part)
            #expect(try PartReader.read(file).keyDigest == m.keyDigest)
            let (segment, part) = (m.segment, String(m.part))
            let inDatabase = try await ArchiveFixtures.run(db) { conn in
                try conn.execute("""
                    SELECT d.digest, p.key_digest::text FROM sluice_archived_part_digest($1::date, $2::int) d, sluice_archive_parts p
                     WHERE p.day = $1::date AND p.part = $2::int
                    """, [segment, part]).rows.first ?? []
            }
            #expect(inDatabase == [m.keyDigest, m.keyDigest])
        }
    }

    /// The digest's MD5 against known answers (Python's hashlib: the first 8 bytes of
    /// md5(bytes(range(24))) and of md5(b"\\xff" * 24), big-endian, and their sum mod 2^64).
    @Test func keyHashesMatchKnownMD5Values() throws {
        func row(_ key: [UInt8]) -> [UInt8] {
            [0, 15, 0, 0, 0, 16] + key[0..<16] + [0, 0, 0, 8] + key[16..<24]
        }
        var digest = KeyDigest()
        try row(Array(0..<24)).withUnsafeBytes { try digest.add(row: $0) }
        #expect(digest.text == "10077306573189568628")
        try row([UInt8](repeating: 255, count: 24)).withUnsafeBytes { try digest.add(row: $0) }
        #expect(digest.text == "6301161552375682766")
        #expect(throws: CopyStreamError.self) { try [UInt8](repeating: 0, count: 40).withUnsafeBytes { try digest.add(row: $0) } }
    }

    /// One row of an archived day goes missing from the database and another row's id appears
    /// twice in its place: the row count still matches the manifest, the key digest does not, so
    /// verify fails and retention keeps the day.
    @Test func aMissingRowPlusADuplicateFailsVerification() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 500), in: db)
        let logger = ArchiveFixtures.logger
        _ = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        let verifier = ArchiveVerifier(configuration: config, logger: logger)
        #expect(try await ArchiveFixtures.run(db) { conn in try verifier.verify(on: conn) }.map(\.failure) == [nil])

        // The same number of rows, with the same ingest_xid (so still part 1's rows): one replaced
        // by a second copy of another row's id.
        let changed = try await ArchiveFixtures.scalar(db, """
            WITH two AS (SELECT id, "timestamp" FROM agent_events ORDER BY id LIMIT 2)
            UPDATE agent_events e SET id = (SELECT id FROM two ORDER BY id LIMIT 1)
              FROM (SELECT id, "timestamp" FROM two ORDER BY id DESC LIMIT 1) x
             WHERE e.id = x.id AND e."timestamp" = x."timestamp" RETURNING 1
            """)
        #expect(changed == "1")
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM agent_events") == "500")
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(DISTINCT id) FROM agent_events") == "499")

        let results = try await ArchiveFixtures.run(db) { conn in try verifier.verify(on: conn) }
        #expect(results.count == 1)
        #expect(results.first?.failure?.contains("not the same rows") == true, "\(results.first?.failure ?? "passed")")
        let decisions = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        #expect(decisions.map(\.action) == [.skipped])
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM agent_events") == "500")
    }

    /// A version 1 manifest (no key digest) still verifies, by row count, and restores; a manifest
    /// from a newer version is refused with a message saying so.
    @Test func versionOneManifestsStillVerifyAndRestore() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 300), in: db)
        let original = try await ArchiveFixtures.rows(before: 30, in: db)
        let logger = ArchiveFixtures.logger
        let written = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        let day = ArchiveFixtures.dayString(daysAgo: 40)
        let directory = ArchiveDirectory(root: config.directory)

        func rewrite(_ edit: (inout [String: Any]) -> Void) async throws {
            let url = directory.manifestFile(day: day, part: 1)
            var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            edit(&json)
            let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: url)
            let text = String(decoding: data, as: UTF8.self)
            _ = try await ArchiveFixtures.run(db) { conn in
                try conn.execute("UPDATE sluice_archive_parts SET manifest = $2::jsonb, key_digest = NULL WHERE day = $1::date", [day, text])
            }
        }
        try await rewrite { json in
            json["version"] = 1
            json.removeValue(forKey: "keyDigest")
        }
        let v1 = try SegmentManifest.decode(Data(contentsOf: directory.manifestFile(day: day, part: 1)))
        #expect(v1.version == 1 && v1.keyDigest == nil)
        var expected = try #require(written.first?.manifest)
        expected.version = 1
        expected.keyDigest = nil
        #expect(v1 == expected)

        let verifier = ArchiveVerifier(configuration: config, logger: logger)
        #expect(try await ArchiveFixtures.run(db) { conn in try verifier.verify(on: conn) }.map(\.failure) == [nil])
        let decisions = try await ArchiveFixtures.run(db) { conn in try Retention(configuration: config, logger: logger).run(on: conn) }
        #expect(decisions.map(\.action) == [.dropped])
        let restored = try await ArchiveFixtures.run(db) { conn in
            try ArchiveRestorer(configuration: config, logger: logger).restore(fromDay: day, toDay: day, on: conn)
        }
        #expect(restored.map(\.inserted) == [300])
        #expect(try await ArchiveFixtures.rows(before: 30, in: db) == original)

        try await rewrite { json in json["version"] = 3 }
        let newer = try await ArchiveFixtures.run(db) { conn in try verifier.verify(on: conn) }
        #expect(newer.first?.failure?.contains("was written by a newer sluice (manifest version 3") == true, "\(newer.first?.failure ?? "passed")")
    }

    /// The manifest's schemaVersion is the newest plain migration, also when the database has
    /// timescale/ migrations too (whose names sort after every migrations/ name).
    @Test func schemaVersionIsTheNewestPlainMigration() async throws {
        let db = try await TestDatabase.fresh()
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 40, count: 10), in: db)
        // What a TimescaleDB-mode database has besides (a plain-mode test database stands in).
        _ = try await ArchiveFixtures.scalar(db, "INSERT INTO sluice_migrations (name) VALUES ('timescale/0003_tool_and_cost_aggregates.sql') ON CONFLICT DO NOTHING RETURNING 1")
        let newestPlain = try #require(try await ArchiveFixtures.scalar(db,
            "SELECT name FROM sluice_migrations WHERE name LIKE 'migrations/%' ORDER BY name DESC LIMIT 1"))
        #expect(newestPlain >= "migrations/0014_archive_guards.sql")
        let logger = ArchiveFixtures.logger
        let written = try await ArchiveFixtures.run(db) { conn in try Archiver(configuration: config, logger: logger).run(on: conn) }
        #expect(written.map(\.manifest.schemaVersion) == [newestPlain])
    }
}
