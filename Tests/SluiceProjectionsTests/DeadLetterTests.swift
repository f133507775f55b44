import Foundation
import Testing
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// No stored event can stop a part of the projector: an event that its fold cannot take is set
/// aside as a dead letter (in the same transaction as the position that moves past it), the rest
/// of its range is folded, and `retry` folds it again once the cause is gone. Each case stores the
/// event straight into `agent_events`, past validation, in one transaction with good events.
@Suite struct DeadLetterTests {
    /// 60 good events of 5 sessions in two projects, and `poison`, stored by one transaction.
    static func store(poison: String, on conn: PostgresConnection) throws(StoreError) {
        try conn.transaction { () throws(StoreError) in
            try conn.execute("""
                INSERT INTO agent_events (id, "timestamp", event_type, agent_id, agent_version, session_id, project_id, context, data, metrics)
                SELECT gen_random_uuid(), now() - interval '1 minute' * g,
                       CASE g % 3 WHEN 0 THEN 'llm_request' WHEN 1 THEN 'tool_use' ELSE 'user_interaction' END,
                       'claude-code', '2.0', ('00000000-0000-4000-8000-' || lpad((g % 5)::text, 12, '0'))::uuid, 1 + g % 2,
                       jsonb_build_object('workspaceId', 'ws-' || g % 5),
                       jsonb_build_object('prompt', 'hello ' || g, 'toolName', 'Bash'), jsonb_build_object('durationMs', g, 'inputTokens', g)
                FROM generate_series(1, 60) g
                """)
            try conn.execute("""
                INSERT INTO agent_events (id, "timestamp", event_type, agent_id, agent_version, session_id, project_id, context, data, metrics)
                VALUES ('0190c1a0-dead-7000-8000-000000000001', now(), 'user_interaction', 'claude-code', '2.0',
                        '0190c1a0-dead-7000-8000-0000000000aa', 1, '{}', '{"prompt": "poison"}', '{"durationMs": 5}')
                """)
            try conn.execute("UPDATE agent_events SET \(poison) WHERE id = '0190c1a0-dead-7000-8000-000000000001'")
        }
    }

    struct Observed: Sendable {
        var deadLetters: [DeadLetters.Entry]
        var status: [PartStatus]
        var hourlyEvents: String?
        var sessions: String?
        var messages: String?
    }

    static func observe(_ conn: PostgresConnection) throws(StoreError) -> Observed {
        Observed(deadLetters: try DeadLetters.list(on: conn), status: try PartStatus.all(on: conn),
                 hourlyEvents: try conn.execute("SELECT sum(event_count)::text FROM agent_events_hourly").scalar(String.self),
                 sessions: try conn.execute("SELECT count(*)::text FROM agent_sessions").scalar(String.self),
                 messages: try conn.execute("SELECT count(*)::text FROM chat_messages").scalar(String.self))
    }

    /// Stores the poisoned batch, catches up, and checks that only `part` set the event aside and
    /// that every part reached the newest position.
    static func poisoned(_ part: Projector.Part, with poison: String, setup: String? = nil) async throws -> (String, Observed) {
        let db = try await TestDatabase.fresh()
        let observed = try await TestDatabase.query(db) { conn throws(StoreError) in
            if let setup { try conn.execute(setup) }
            try store(poison: poison, on: conn)
            try catchUp(on: conn)
            return try observe(conn)
        }
        #expect(observed.deadLetters.map(\.part) == [part.rawValue])
        #expect(observed.deadLetters.first?.eventId == "0190c1a0-dead-7000-8000-000000000001")
        #expect(observed.deadLetters.first?.attempts == 1)
        for s in observed.status {
            #expect(s.eventsBehind == 0, "\(s.part) reached the newest position")
            #expect(s.failures == 0, "\(s.part): no step failed")
            #expect(s.deadLetters == (s.part == part.rawValue ? 1 : 0))
        }
        return (db, observed)
    }

    @Test func aTimestampSwiftCannotPrintIsSetAsideByAgentSessionsOnly() async throws {
        // Year 1 with +14:00 is 1 BC in UTC: PostgreSQL stores it, the session row cannot hold it.
        // A hypertable's chunks refuse it: there, a check on agent_sessions refuses the event's session.
        let (db, seen) = TestDatabase.mode == .plain
            ? try await Self.poisoned(.agentSessions, with: "\"timestamp\" = '0001-01-01 00:00:00+14'")
            : try await Self.poisoned(.agentSessions, with: "agent_id = 'poison'",
                                      setup: "ALTER TABLE agent_sessions ADD CONSTRAINT no_poison CHECK (agent_id <> 'poison')")
        #expect(seen.sessions == "5", "the five good sessions are folded")
        #expect(seen.hourlyEvents == "61", "the aggregates fold the event")
        #expect(seen.deadLetters.first?.error.isEmpty == false)
        let (retry, again, rebuilt) = try await TestDatabase.query(db) { conn throws(StoreError) in
            let retry = try DeadLetters.retry(.agentSessions, on: conn)
            let again = try DeadLetters.list(on: conn)
            let rebuilt = try Projector.rebuild(on: conn)
            return (retry, again, rebuilt)
        }
        #expect(retry == .init(ran: true, folded: 0, failing: 1, gone: 0), "still unfoldable: it stays set aside")
        #expect(again.first?.attempts == 2)
        #expect(rebuilt.deadLetters == 1, "a rebuild folds the whole log again and sets it aside again")
    }

    @Test func aMachineIdOutOfIntegerRangeIsSetAsideByChatOnly() async throws {
        let (_, seen) = try await Self.poisoned(.chat, with: "context = '{\"machineId\": 10000000000}'")
        #expect(seen.sessions == "6", "agent sessions fold the event")
        #expect(seen.messages == "20", "the 20 good prompts are chat messages; the poisoned one is not")
        #expect(seen.deadLetters.first?.sqlState == "22003")
    }

    @Test func anAggregateRowThatACheckRefusesIsSetAsideThenRetriedAfterTheFix() async throws {
        // Plain mode only: in TimescaleDB mode the aggregates are continuous aggregates, which
        // TimescaleDB materializes itself from rules that cannot fail on stored values (0021).
        guard TestDatabase.mode == .plain else { return }
        let (db, seen) = try await Self.poisoned(
            .aggregates, with: "agent_id = 'poison'",
            setup: "ALTER TABLE agent_events_hourly ADD CONSTRAINT no_poison CHECK (agent_id <> 'poison')")
        #expect(seen.hourlyEvents == "60", "every good event is in the hourly rows")
        #expect(seen.deadLetters.first?.sqlState == "23514")
        let (retry, after) = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("ALTER TABLE agent_events_hourly DROP CONSTRAINT no_poison")
            return (try DeadLetters.retry(.aggregates, on: conn), try Self.observe(conn))
        }
        #expect(retry == .init(ran: true, folded: 1, failing: 0, gone: 0))
        #expect(after.deadLetters.isEmpty)
        #expect(after.hourlyEvents == "61", "the retried event is folded exactly once")
    }

    @Test func aFoldBrokenForEveryRangeFailsTheStepInsteadOfSettingEventsAside() async throws {
        let db = try await TestDatabase.fresh()
        let (error, status, dead) = try await TestDatabase.query(db) { conn throws(StoreError) in
            let original = try conn.execute("""
                SELECT pg_get_functiondef('sluice_project_chat(xid8, xid8, uuid[], timestamptz[])'::regprocedure)
                """).scalar(String.self) ?? ""
            try conn.execute("""
                CREATE OR REPLACE FUNCTION sluice_project_chat(from_xid xid8, to_xid xid8, only_ids uuid[] DEFAULT NULL,
                    only_times timestamptz[] DEFAULT NULL) RETURNS bigint LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'broken for every range'; END $$
                """)
            try Self.store(poison: "agent_id = 'claude-code'", on: conn)
            // The step's range must hold the events: a range without any folds nothing, broken or not.
            try waitForHorizonPastEvents(on: conn)
            var error: StoreError?
            do throws(StoreError) { _ = try Projector.step(.chat, on: conn) } catch let failure { error = failure }
            let status = try PartStatus.all(on: conn).first { $0.part == "chat" }
            let dead = try DeadLetters.list(on: conn).count
            try conn.execute(original)
            try catchUp(on: conn)
            return (error, status, dead)
        }
        #expect(error != nil)
        #expect(status?.failures == 1)
        #expect(status?.lastError?.contains("broken for every range") == true)
        #expect(status?.eventsBehind == 61)
        #expect(dead == 0, "nothing is set aside for a failure that is not the data's")
    }
}
