import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
import SluiceProjections
@testable import SluiceArchive

@Suite struct UpgradePreservesDataTests {
    /// A database migrated, filled, projected and archived by the last version before the SQL
    /// layout of docs/sql-layout.md (main at b6689ff) keeps every row through the upgrade: events,
    /// sessions, chat, hourly aggregates and the archive catalog. Its projector folds new events
    /// afterwards.
    @Test func upgradeKeepsEventsProjectionsAndArchive() async throws {
        let db = try await TestDatabase.fresh(migratedBy: TestDatabase.schemaB6689ff)
        let config = ArchiveFixtures.configuration()
        defer { try? FileManager.default.removeItem(at: config.directory) }
        try await Self.installFoldFactsStandIn(db)
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 3, count: 400, seed: 3), in: db, facts: false)
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 0, count: 200, seed: 7) + Self.chat(count: 6), in: db, facts: false)
        let archived = try await ArchiveFixtures.run(db) { conn in
            try Archiver(configuration: config, logger: ArchiveFixtures.logger).run(on: conn)
        }
        #expect(archived.map(\.manifest.rows) == [400])

        let before = try await Self.snapshot(db)
        #expect(before.counts[0] == 606 && before.counts[3] == 6 && before.counts[5] == 1)
        #expect(before.counts.allSatisfy { $0 > 0 })
        let report = try await TestDatabase.migrate(db)
        #expect(report.applied == (try TestDatabase.migrationsSinceB6689ff()))
        #expect(report.applied.first == "migrations/0023_drop_dead_functions.sql")
        #expect(!report.definitions.isEmpty)
        let after = try await Self.snapshot(db)
        #expect(after.rows == before.rows)
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM agent_events WHERE facts IS NOT NULL") == "0")

        // The projector folds what arrives after the upgrade.
        try await ArchiveFixtures.store(ArchiveFixtures.events(daysAgo: 0, count: 50, seed: 11) + Self.chat(count: 2), in: db)
        let folded = try await Self.snapshot(db)
        #expect(folded.counts[0] == 658 && folded.counts[3] == 8)
        #expect(try await ArchiveFixtures.scalar(db, "SELECT sum(event_count) FROM agent_events_hourly") == "658")
        // Old rows (read from jsonb) and new ones (from the fact columns) fold alike: the hourly
        // totals equal the raw events'.
        #expect(try await ArchiveFixtures.scalar(db, "SELECT count(*) FROM agent_events WHERE facts IS NOT NULL") == "52")
        #expect(try await ArchiveFixtures.scalar(db, "SELECT sum(tokens_in)::text || '/' || sum(duration_sum_ms)::text FROM agent_events_hourly")
                == ArchiveFixtures.scalar(db, "SELECT sum(sluice_tokens_in(metrics))::text || '/' || sum(sluice_duration_ms(metrics))::text FROM agent_events"))
    }

    /// A chat session of `count` messages, alternating prompt and response, starting now.
    static func chat(count: Int) -> [AgentEvent] {
        let session = UUID()
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        return (0..<count).map { i in
            let prompt = i % 2 == 0
            return AgentEvent(
                id: UUID(), timestamp: Timestamp(microsecondsSinceEpoch: now - Int64(count - i) * 1_000_000),
                eventType: prompt ? "user_prompt" : "llm_response", agentId: "claude-code", agentVersion: "1.0",
                sessionId: session, projectId: 1,
                context: try! JSONText(#"{"cwd":"/src/p1","model":"claude-x"}"#),
                data: try! JSONText(prompt ? #"{"prompt":"question \#(i)"}"# : #"{"response":"answer \#(i)"}"#),
                metrics: prompt ? nil : try! JSONText(#"{"inputTokens":10,"outputTokens":20}"#),
                parentEventId: nil, relatedEventIds: [], tags: [], severity: nil)
        }
    }

    /// Every row of the tables an upgrade must keep, as text in key order, and their counts.
    struct Snapshot: Equatable {
        var rows: [[[String?]]]
        var counts: [Int] { rows.map(\.count) }
    }

    static let tables = [
        // The upgrade adds the fact columns, NULL for every row stored before (they are read from jsonb).
        "SELECT \(ArchiveFixtures.archivedRow) FROM agent_events e ORDER BY id, \"timestamp\"",
        "SELECT s::text FROM agent_sessions s ORDER BY id",
        "SELECT c::text FROM chat_sessions c ORDER BY id",
        "SELECT m::text FROM chat_messages m ORDER BY id",
        "SELECT h::text FROM agent_events_hourly h ORDER BY bucket, project_id, agent_id, event_type",
        "SELECT p::text FROM sluice_archive_parts p ORDER BY day, part",
    ]

    static func snapshot(_ db: String) async throws -> Snapshot {
        try await TestDatabase.query(db) { conn throws(StoreError) in
            var rows: [[[String?]]] = []
            for sql in tables { rows.append(try conn.execute(sql).rows) }
            return Snapshot(rows: rows)
        }
    }

    /// The projector of this build reads the events through `sluice_fold_facts`, which the old
    /// schema lacks (the server always migrates before it projects). To fill the old database as
    /// that version's projector did, this defines a stand-in with the same signature and result:
    /// the current definition with every fact read from jsonb, as for a row without facts. The
    /// upgrade replaces it with the real one.
    static func installFoldFactsStandIn(_ db: String) async throws {
        let definition = try #require(try Migrator().definitions.plain.first { $0.name.hasSuffix("/sluice_fold_facts.sql") })
        let sql = definition.sql
            .replacingOccurrences(of: #"CASE WHEN e\.facts IS NULL THEN (.*) ELSE e\.[a-z_]+ END"#, with: "$1", options: .regularExpression)
            .replacingOccurrences(of: #"CASE WHEN e\.facts IS NOT NULL THEN e\.tool_name\s+WHEN"#, with: "CASE WHEN", options: .regularExpression)
        #expect(!sql.contains("e.facts") && !sql.contains("ELSE e."))
        _ = try await TestDatabase.query(db) { conn throws(StoreError) in try conn.executeScript(sql) }
    }
}
