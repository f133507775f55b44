import Foundation
import Synchronization
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// The projector's parts fold from their own positions, under their own locks (`projector_positions`,
/// `triggers/projector_positions_parts_only.sql`).
@Suite struct ProjectorPartsTests {
    static func events(_ n: Int, session: UUID) -> [AgentEvent] {
        (0..<n).map { i in
            AgentEvent(id: UUID(), timestamp: Timestamp(microsecondsSinceEpoch: 1_790_000_000_000_000 + Int64(i) * 1_000_000),
                       eventType: i == 0 ? "session_start" : i % 2 == 0 ? "user_interaction" : "tool_use",
                       agentId: "claude-code", agentVersion: "2", sessionId: session, projectId: 4,
                       context: try! JSONText(#"{"workspaceId":"ws-parts"}"#), data: try! JSONText(#"{"prompt":"step \#(i)"}"#), metrics: nil)
        }
    }

    /// A session with a chat message, that ends.
    static func endedSession(_ id: UUID) -> [AgentEvent] {
        var events = events(4, session: id)
        events.append(AgentEvent(id: UUID(), timestamp: Timestamp(microsecondsSinceEpoch: 1_790_000_010_000_000), eventType: "session_end",
                                 agentId: "claude-code", agentVersion: "2", sessionId: id, projectId: 4,
                                 context: try! JSONText("{}"), data: try! JSONText(#"{"outcome":"success"}"#), metrics: nil))
        return events
    }

    /// Steps `part` until its position passes `xid` (an SQL expression). A transaction of the
    /// database's autovacuum can hold the horizon for a moment.
    static func step(_ part: Projector.Part, past xid: String, on conn: PostgresConnection) throws(StoreError) {
        let deadline = Date().addingTimeInterval(30)
        repeat {
            _ = try Projector.step(part, on: conn)
            if try conn.execute("SELECT horizon > \(xid) FROM projector_positions WHERE projector = $1", [part.rawValue]).scalar(String.self) == "t" { return }
            usleep(20_000)
        } while Date() < deadline
        throw .protocolViolation("\(part) did not pass \(xid) in 30 s")
    }

    /// Waits until every stored event is below what a step would take as its horizon.
    @Test func aPartAdvancesWhileTheOtherIsLocked() async throws {
        let db = try await TestDatabase.fresh()
        let s = UUID()
        // Another process's step of the agent-sessions part, as far as locks go.
        let holder = ConnectionWorker(url: db)
        _ = try await holder.run { conn throws(StoreError) in
            try conn.execute("SELECT pg_advisory_lock(hashtext('sluice_projector.agent_sessions'))")
        }
        let whileLocked = try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(HourlyProjectionTests.stream(Self.events(6, session: s)), on: conn)
            // Other tests' transactions can hold the cluster-wide horizon back for a moment.
            let deadline = Date().addingTimeInterval(60)
            var aggregates = try Projector.step(.aggregates, on: conn)
            while try conn.execute("""
                SELECT EXISTS (SELECT 1 FROM agent_events WHERE ingest_xid >= (SELECT horizon FROM projector_positions WHERE projector = 'aggregates'))
                """).scalar(String.self) == "t", Date() < deadline {
                usleep(20_000)
                aggregates = try Projector.step(.aggregates, on: conn)
            }
            let chat = try Projector.step(.chat, on: conn)
            let sessions = try Projector.step(.agentSessions, on: conn)
            #expect(chat.ran)
            return (aggregates.ran, sessions.ran,
                    try conn.execute("SELECT sum(event_count) FROM agent_events_hourly").scalar(String.self),
                    try conn.execute("SELECT count(*) FROM agent_sessions").scalar(String.self),
                    try conn.execute("SELECT (SELECT horizon FROM projector_positions WHERE projector = 'aggregates') > sluice_projected_horizon()").scalar(String.self))
        }
        _ = try await holder.run { conn throws(StoreError) in
            try conn.execute("SELECT pg_advisory_unlock(hashtext('sluice_projector.agent_sessions'))")
        }
        await holder.shutdown()
        #expect(whileLocked.0 && !whileLocked.1)
        #expect(whileLocked.2 == "6")
        #expect(whileLocked.3 == "0")
        #expect(whileLocked.4 == "t", "the projected horizon is the lower of the parts'")

        let after = try await TestDatabase.query(db) { conn throws(StoreError) in
            try catchUp(on: conn)
            return (try conn.execute("SELECT sum(event_count) FROM agent_events_hourly").scalar(String.self),
                    try conn.execute("SELECT (metrics ->> 'events')::int FROM agent_sessions").scalar(String.self),
                    try conn.execute("SELECT message_count FROM chat_sessions").scalar(String.self))
        }
        #expect(after.0 == "6", "the aggregates part folded each event once")
        #expect(after.1 == "6")
        #expect(after.2 == "2")
    }

    /// `sluice_step_horizon()` leaves out running projector steps, late-day refreshes (which
    /// hold the lock for their session) and other databases' transactions, which cannot store
    /// events here, but not this database's other transactions.
    @Test func aStepFoldsPastRunningStepsAndOtherDatabasesButNotPastAWriter() async throws {
        // Plain mode only: it reads the hourly rows the projector writes (continuous aggregates in TimescaleDB mode).
        guard TestDatabase.mode == .plain else { return }
        let db = try await TestDatabase.fresh()
        let next = try await TestDatabase.fresh(migrate: false)
        // A running step of the agent-sessions part, as far as the log can tell: it holds the projector's
        // locks and has a transaction id. And an open transaction with an id in another database.
        // (Workers that keep a transaction open between calls: by default one is rolled back.)
        let step = ConnectionWorker(url: db, openTransactions: .keep)
        let neighbour = ConnectionWorker(url: next, openTransactions: .keep)
        let writer = ConnectionWorker(url: db, openTransactions: .keep)
        let stepXid = try await step.run { conn throws(StoreError) in
            try conn.execute("BEGIN")
            try conn.execute("""
                SELECT pg_advisory_xact_lock_shared(hashtext('sluice_projector')), pg_advisory_xact_lock(hashtext('sluice_projector.agent_sessions'))
                """)
            return try conn.execute("SELECT pg_current_xact_id()::text").scalar(String.self) ?? ""
        }
        _ = try await neighbour.run { conn throws(StoreError) in
            try conn.execute("BEGIN")
            return try conn.execute("SELECT pg_current_xact_id()::text").scalar(String.self)
        }
        // A late-day refresh (TimescaleDB mode): the lock held for the session, a transaction begun after it.
        let refresh = ConnectionWorker(url: db, openTransactions: .keep)
        let refreshXid = try await refresh.run { conn throws(StoreError) in
            try conn.execute("SELECT pg_advisory_lock_shared(hashtext('sluice_projector'))")
            try conn.execute("BEGIN")
            return try conn.execute("SELECT pg_current_xact_id()::text").scalar(String.self) ?? ""
        }
        let passed = try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(HourlyProjectionTests.stream(Self.events(6, session: UUID())), on: conn)
            let deadline = Date().addingTimeInterval(30)
            func fold() throws(StoreError) -> String? {
                _ = try Projector.step(.aggregates, on: conn)
                return try conn.execute("SELECT sum(event_count)::text FROM agent_events_hourly").scalar(String.self)
            }
            var folded = try fold()
            while folded != "6" && Date() < deadline {
                usleep(20_000)
                folded = try fold()
            }
            return (folded, try conn.execute(
                "SELECT horizon > greatest($1::xid8, $2::xid8) FROM projector_positions WHERE projector = 'aggregates'",
                [stepXid, refreshXid]).scalar(String.self))
        }
        #expect(passed.0 == "6", "an open projector step, a refresh and another database's transaction do not hold the horizon")
        #expect(passed.1 == "t")

        // An ordinary open transaction of this database might still store events: it holds the horizon.
        let writerXid = try await writer.run { conn throws(StoreError) in
            try conn.execute("BEGIN")
            return try conn.execute("SELECT pg_current_xact_id()::text").scalar(String.self) ?? ""
        }
        let held = try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(HourlyProjectionTests.stream(Self.events(4, session: UUID())), on: conn)
            _ = try Projector.step(.aggregates, on: conn)
            return (try conn.execute("SELECT sum(event_count)::text FROM agent_events_hourly").scalar(String.self),
                    try conn.execute("SELECT sluice_step_horizon() <= $1::xid8", [writerXid]).scalar(String.self))
        }
        #expect(held.0 == "6", "events committed after an open writer wait for it")
        #expect(held.1 == "t")

        for worker in [step, neighbour, writer, refresh] {
            _ = try await worker.run { conn throws(StoreError) in try conn.execute("COMMIT") }
            await worker.shutdown()
        }
        let after = try await TestDatabase.query(db) { conn throws(StoreError) in
            try catchUp(on: conn)
            return (try conn.execute("SELECT sum(event_count)::text FROM agent_events_hourly").scalar(String.self),
                    try conn.execute("SELECT sum((metrics ->> 'events')::int)::text FROM agent_sessions").scalar(String.self))
        }
        #expect(after.0 == "10", "each event folded once")
        #expect(after.1 == "10")
    }

    /// A step may find `sluice_step_horizon()` below its position: an id an earlier step left out
    /// (a projector step, or another database's transaction) ended before this step read the lock
    /// table, so it is kept. The position must not move back, or its range would be folded again.
    @Test func aStepNeverMovesItsPositionBack() async throws {
        // Plain mode only: it reads the hourly rows the projector writes (continuous aggregates in TimescaleDB mode).
        guard TestDatabase.mode == .plain else { return }
        let db = try await TestDatabase.fresh()
        let open = ConnectionWorker(url: db, openTransactions: .keep)
        let held = try await open.run { conn throws(StoreError) in
            try conn.execute("BEGIN")
            return try conn.execute("SELECT pg_current_xact_id()::text").scalar(String.self) ?? ""
        }
        let rows = try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(HourlyProjectionTests.stream(Self.events(6, session: UUID())), on: conn)
            // As if an earlier step had left `held` out and folded the events.
            let ahead = try conn.execute("SELECT (SELECT max(ingest_xid) FROM agent_events)::text::bigint + 1").scalar(String.self) ?? ""
            try conn.execute("SELECT sluice_project_aggregates('0'::xid8, $1::xid8)", [ahead])
            try conn.execute("""
                INSERT INTO projector_positions (projector, horizon) VALUES ('aggregates', $1::xid8)
                ON CONFLICT (projector) DO UPDATE SET horizon = excluded.horizon
                """, [ahead])
            let below = try conn.execute("SELECT sluice_step_horizon() <= $1::xid8", [held]).scalar(String.self)
            _ = try Projector.step(.aggregates, on: conn)
            return (below, ahead, try conn.execute("SELECT horizon::text FROM projector_positions WHERE projector = 'aggregates'").scalar(String.self))
        }
        _ = try await open.run { conn throws(StoreError) in try conn.execute("COMMIT") }
        await open.shutdown()
        #expect(rows.0 == "t", "the open transaction holds the step horizon below the position")
        #expect(rows.2 == rows.1, "the position stays where it was")
        let total = try await TestDatabase.query(db) { conn throws(StoreError) in
            try catchUp(on: conn)
            return try conn.execute("SELECT sum(event_count)::text FROM agent_events_hourly").scalar(String.self)
        }
        #expect(total == "6", "nothing folded twice")
    }

    @Test func aServerOfAnOlderVersionIsRefused() async throws {
        let db = try await TestDatabase.fresh()
        for old in ["main", "sessions"] {
            let error = try await TestDatabase.query(db) { conn throws(StoreError) -> String in
                do {
                    try conn.execute("INSERT INTO projector_positions (projector) VALUES ($1) ON CONFLICT DO NOTHING", [old])
                    return "inserted"
                } catch {
                    return "\(error)"
                }
            }
            #expect(error.contains("since migration 0020"), "\(old): \(error)")
            #expect(error.contains("upgrade every sluice serve"), "\(old): \(error)")
        }
    }

    /// Databases folded by the single projector `main` (before 0017), and by the two parts of 0017:
    /// every part starts where the part that did its work stood.
    @Test func theMigrationsStartEveryPartWhereItsWorkStood() async throws {
        let db = try await TestDatabase.fresh()
        let migrations = try Migrator().plain
        let parts = try #require(migrations.first { $0.name.hasSuffix("0017_projector_parts.sql") })
        let three = try #require(migrations.first { $0.name.hasSuffix("0020_projector_three_parts.sql") })
        let rows = try await TestDatabase.query(db) { conn throws(StoreError) in
            func positions(_ rows: [(String, String)]) throws(StoreError) {
                try conn.execute("ALTER TABLE projector_positions DISABLE TRIGGER projector_positions_parts_only")
                try conn.execute("DELETE FROM projector_positions")
                for (name, horizon) in rows {
                    try conn.execute("INSERT INTO projector_positions (projector, horizon) VALUES ($1, $2::xid8)", [name, horizon])
                }
            }
            func totals() throws(StoreError) -> [String?] {
                [try conn.execute("SELECT sum(event_count)::text FROM agent_events_hourly").scalar(String.self),
                 try conn.execute("SELECT sum((metrics ->> 'events')::int)::text FROM agent_sessions").scalar(String.self),
                 try conn.execute("SELECT sum(message_count)::text FROM chat_sessions").scalar(String.self)]
            }
            // Upgrading runs the data moves of 0017, then of 0020, as `migrate` does (the trigger,
            // a definition applied after the migrations, stays disabled here).
            func upgrade() throws(StoreError) {
                try conn.transaction { () throws(StoreError) in try conn.executeScript(parts.sql) }
                try conn.transaction { () throws(StoreError) in try conn.executeScript(three.sql) }
            }
            // Before 0017: `main`.
            _ = try EventWriter.write(HourlyProjectionTests.stream(Self.events(4, session: UUID())), on: conn)
            try catchUp(on: conn)
            let first = try conn.execute("SELECT sluice_projected_horizon()::text").scalar(String.self) ?? ""
            try positions([("main", first)])
            try upgrade()
            let fromMain = try conn.execute("SELECT projector, horizon::text = $1 FROM projector_positions ORDER BY 1", [first]).rows
            try catchUp(on: conn)
            let afterMain = try totals()

            // After 0017, with `aggregates` ahead of `sessions`.
            let sessionsAt = try conn.execute("SELECT horizon::text FROM projector_positions WHERE projector = 'chat'").scalar(String.self) ?? ""
            _ = try EventWriter.write(HourlyProjectionTests.stream(Self.events(6, session: UUID())), on: conn)
            let deadline = Date().addingTimeInterval(30)
            repeat { _ = try Projector.step(.aggregates, on: conn) } while try totals()[0] != "10" && Date() < deadline
            let ahead = try conn.execute("SELECT horizon::text FROM projector_positions WHERE projector = 'aggregates'").scalar(String.self) ?? ""
            try positions([("aggregates", ahead), ("sessions", sessionsAt)])
            try upgrade()
            let fromParts = try conn.execute("SELECT projector, horizon::text FROM projector_positions ORDER BY 1").rows
            try catchUp(on: conn)
            return (fromMain, afterMain, fromParts, [sessionsAt, ahead], try totals())
        }
        #expect(rows.0 == [["agent_sessions", "t"], ["aggregates", "t"], ["chat", "t"]])
        #expect(rows.1 == ["4", "4", "1"], "nothing folded twice")
        #expect(rows.2 == [["agent_sessions", rows.3[0]], ["aggregates", rows.3[1]], ["chat", rows.3[0]]])
        #expect(rows.4 == ["10", "10", "3"], "each part folded what it had not, once")
    }

    /// The chat and agent-sessions parts both write a chat session's end: whichever folds a session
    /// first, and when they fold at once, the chat session ends when its agent session does.
    @Test func aChatSessionEndsWithItsAgentSessionWhicheverPartFoldsFirst() async throws {
        let db = try await TestDatabase.fresh()
        let mismatched = """
            SELECT count(*)::text FROM chat_sessions c LEFT JOIN agent_sessions s ON s.id = c.session_id
            WHERE s.end_time IS NULL OR c.ended_at IS DISTINCT FROM s.end_time
            """
        for order in [[Projector.Part.agentSessions, .chat], [.chat, .agentSessions]] {
            let result = try await TestDatabase.query(db) { conn throws(StoreError) in
                _ = try EventWriter.write(HourlyProjectionTests.stream(Self.endedSession(UUID())), on: conn)
                for part in order { try Self.step(part, past: "(SELECT max(ingest_xid) FROM agent_events)", on: conn) }
                return try conn.execute(mismatched).scalar(String.self)
            }
            #expect(result == "0", "\(order)")
        }
        // At once: a chat step has stored the chat session, and set its end from agent_sessions
        // (none yet), but not committed, when an agent-sessions step ends the session. That step's
        // update must wait for the chat step's commit to see the chat session.
        try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(HourlyProjectionTests.stream(Self.endedSession(UUID())), on: conn)
            try waitForHorizonPastEvents(on: conn)
        }
        let chat = ConnectionWorker(url: db, openTransactions: .keep)
        try await chat.run { conn throws(StoreError) in
            try conn.execute("BEGIN")
            try conn.execute("SELECT pg_advisory_xact_lock_shared(hashtext('sluice_projector')), pg_advisory_xact_lock(hashtext('sluice_projector.chat'))")
            let range = try conn.execute("SELECT horizon::text, sluice_step_horizon()::text FROM projector_positions WHERE projector = 'chat'").rows[0]
            try conn.execute("SELECT sluice_project_hierarchy($1::xid8, $2::xid8), sluice_project_chat($1::xid8, $2::xid8)", [range[0], range[1]])
            try conn.execute("UPDATE projector_positions SET horizon = $1::xid8 WHERE projector = 'chat'", [range[1]])
        }
        let sessions = ConnectionWorker(url: db)
        let sessionsBackend = try await sessions.run { conn throws(StoreError) in try conn.execute("SELECT pg_backend_pid()::text").scalar(String.self) ?? "" }
        let finished = Mutex(false)
        let ending = Task {
            defer { finished.withLock { $0 = true } }
            // Steps until one folds the session: under a loaded suite a first step has been seen to
            // fold an empty range (its horizon below the session's events), never waiting.
            return try await sessions.run { conn throws(StoreError) in
                var step = try Projector.step(.agentSessions, on: conn)
                for _ in 0..<500 where step.sessions == 0 {
                    usleep(20_000)
                    step = try Projector.step(.agentSessions, on: conn)
                }
                return step
            }
        }
        // The step waits for the chat step's commit; under a loaded suite it was once seen not
        // to wait (cause not found yet): then the final check below still holds it to the rule.
        try await waitUntil("the agent-sessions step waits for a lock, or has ended") {
            try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1::int", [sessionsBackend]).scalar(String.self)
            } == "Lock" || finished.withLock { $0 }
        }
        if finished.withLock({ $0 }) { print("ProjectorPartsTests: the agent-sessions step did not wait for the chat step") }
        try await chat.run { conn throws(StoreError) in try conn.execute("COMMIT") }
        let ended = try await ending.value
        #expect(ended.sessions == 1)
        await chat.shutdown()
        await sessions.shutdown()
        let after = try await TestDatabase.query(db) { conn throws(StoreError) in
            try catchUp(on: conn)
            return (try conn.execute("SELECT count(*)::text FROM chat_sessions").scalar(String.self), try conn.execute(mismatched).scalar(String.self))
        }
        #expect(after.0 == "3")
        #expect(after.1 == "0", "every chat session ends when its agent session does")
    }
}
