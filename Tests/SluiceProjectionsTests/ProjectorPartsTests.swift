import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// The projector's parts fold from their own positions, under their own locks (`0017_projector_parts.sql`).
@Suite struct ProjectorPartsTests {
    static func events(_ n: Int, session: UUID) -> [AgentEvent] {
        (0..<n).map { i in
            AgentEvent(id: UUID(), timestamp: Timestamp(microsecondsSinceEpoch: 1_790_000_000_000_000 + Int64(i) * 1_000_000),
                       eventType: i == 0 ? "session_start" : i % 2 == 0 ? "user_interaction" : "tool_use",
                       agentId: "claude-code", agentVersion: "2", sessionId: session, projectId: 4,
                       context: try! JSONText(#"{"workspaceId":"ws-parts"}"#), data: try! JSONText(#"{"prompt":"step \#(i)"}"#), metrics: nil)
        }
    }

    @Test func aPartAdvancesWhileTheOtherIsLocked() async throws {
        let db = try await TestDatabase.fresh()
        let s = UUID()
        // Another process's step of the sessions part, as far as locks go.
        let holder = ConnectionWorker(url: db)
        _ = try await holder.run { conn throws(StoreError) in
            try conn.execute("SELECT pg_advisory_lock(hashtext('sluice_projector.sessions'))")
        }
        let whileLocked = try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(HourlyProjectionTests.stream(Self.events(6, session: s)), on: conn)
            // Other tests' transactions can hold the cluster-wide horizon back for a moment.
            let deadline = Date().addingTimeInterval(60)
            var aggregates = try Projector.step(.aggregates, on: conn)
            while try conn.execute("""
                SELECT EXISTS (SELECT 1 FROM agent_events WHERE ingest_xid >= (SELECT horizon FROM projector_positions WHERE projector = 'aggregates'))
                """).scalar() == "t", Date() < deadline {
                usleep(20_000)
                aggregates = try Projector.step(.aggregates, on: conn)
            }
            let sessions = try Projector.step(.sessions, on: conn)
            return (aggregates.ran, sessions.ran,
                    try conn.execute("SELECT sum(event_count) FROM agent_events_hourly").scalar(),
                    try conn.execute("SELECT count(*) FROM agent_sessions").scalar(),
                    try conn.execute("SELECT (SELECT horizon FROM projector_positions WHERE projector = 'aggregates') > sluice_projected_horizon()").scalar())
        }
        _ = try await holder.run { conn throws(StoreError) in
            try conn.execute("SELECT pg_advisory_unlock(hashtext('sluice_projector.sessions'))")
        }
        await holder.shutdown()
        #expect(whileLocked.0 && !whileLocked.1)
        #expect(whileLocked.2 == "6")
        #expect(whileLocked.3 == "0")
        #expect(whileLocked.4 == "t", "the projected horizon is the lower of the parts'")

        let after = try await TestDatabase.query(db) { conn throws(StoreError) in
            try catchUp(on: conn)
            return (try conn.execute("SELECT sum(event_count) FROM agent_events_hourly").scalar(),
                    try conn.execute("SELECT (metrics ->> 'events')::int FROM agent_sessions").scalar(),
                    try conn.execute("SELECT message_count FROM chat_sessions").scalar())
        }
        #expect(after.0 == "6", "the aggregates part folded each event once")
        #expect(after.1 == "6")
        #expect(after.2 == "2")
    }

    @Test func aServerThatFoldsFromMainIsRefused() async throws {
        let db = try await TestDatabase.fresh()
        let error = try await TestDatabase.query(db) { conn throws(StoreError) -> String in
            do {
                try conn.execute("INSERT INTO projector_positions (projector) VALUES ('main') ON CONFLICT DO NOTHING")
                return "inserted"
            } catch {
                return "\(error)"
            }
        }
        #expect(error.contains("since migration 0017"), "\(error)")
        #expect(error.contains("upgrade every sluice serve"), "\(error)")
    }

    /// A database the single projector `main` folded: both parts start where it stood.
    @Test func theMigrationStartsBothPartsWhereMainStood() async throws {
        let db = try await TestDatabase.fresh()
        let migration = try #require(try Migrator().plain.first { $0.name.hasSuffix("0017_projector_parts.sql") })
        let s = UUID()
        let rows = try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(HourlyProjectionTests.stream(Self.events(4, session: s)), on: conn)
            try catchUp(on: conn)
            let folded = try conn.execute("SELECT sluice_projected_horizon()::text").scalar() ?? ""
            // Back to before 0017: one row, `main`, at that position.
            try conn.execute("ALTER TABLE projector_positions DISABLE TRIGGER projector_positions_parts_only")
            try conn.execute("DELETE FROM projector_positions")
            try conn.execute("INSERT INTO projector_positions (projector, horizon) VALUES ('main', $1::xid8)", [folded])
            try conn.execute("ALTER TABLE projector_positions ENABLE TRIGGER projector_positions_parts_only")
            try conn.transaction { () throws(StoreError) in try conn.executeScript(migration.sql) }
            let positions = try conn.execute("SELECT projector, horizon::text = $1 FROM projector_positions ORDER BY 1", [folded]).rows
            try catchUp(on: conn)
            return (positions,
                    try conn.execute("SELECT sum(event_count) FROM agent_events_hourly").scalar(),
                    try conn.execute("SELECT (metrics ->> 'events')::int FROM agent_sessions").scalar())
        }
        #expect(rows.0 == [["aggregates", "t"], ["sessions", "t"]])
        #expect(rows.1 == "4", "nothing folded twice")
        #expect(rows.2 == "4")
    }
}
