import Foundation
import SluiceCore
import SluiceStore

/// Folds a range of the log into `agent_sessions`, merging with what each session already holds.
/// Runs inside the projector's transaction (see ``Projector``).
enum SessionProjector {
    static let page = 5_000

    /// Folds the `events` events stored by transactions in `[from, to)`, then ends sessions idle
    /// past `idleTimeout`, and gives their chat sessions the same end (a chat session the chat
    /// part stores later takes it from `agent_sessions` then). Returns the number of sessions written.
    ///
    /// PostgreSQL pre-folds the events whose values it reads exactly as ``SessionFold`` does
    /// (`sluice_session_partials`); the rest are read and folded here one by one. The merge is
    /// commutative and associative, so the result is the fold of every event either way.
    static func advance(
        from: String, to: String, only: EventSelection = .all, events: Int, idleTimeout: Duration,
        on conn: PostgresConnection, clock: inout PhaseClock
    ) throws(StoreError) -> Int {
        var sessions: [UUID: SessionSummary] = [:]
        func add(_ s: SessionSummary) {
            sessions[s.sessionId] = sessions[s.sessionId].map { SessionFold.merge($0, s) } ?? s
        }
        // Most events arrive pre-folded by PostgreSQL, a row per group of a session's events.
        var prefolded = 0
        // A generic plan: planning this query over every partition took 23 ms of a 60 ms run, and
        // the planner, costing a generic plan higher, would plan it for every step.
        // Without events in the range (a step that only ends idle sessions) there is nothing to read.
        if events > 0 || only.keys != nil {
            let partials = try conn.executePrepared(
                "SELECT \(SessionPartial.columns) FROM sluice_session_partials($1::xid8, $2::xid8, $3::uuid[], $4::timestamptz[])",
                [from, to] + only.parameters, generic: true)
            for row in partials.decodedRows {
                let s = try SessionPartial.summary(row)
                prefolded += s.counters.events
                add(s)
            }
        }
        // The others one by one. Usually there are none, and the range is not read again.
        if prefolded < events || only.keys != nil {
            try conn.execute("""
                DECLARE sluice_session_fold NO SCROLL CURSOR FOR
                SELECT id, to_json("timestamp") #>> '{}', event_type, agent_id, agent_version, session_id,
                       project_id, context::text, data::text, metrics::text, severity
                FROM sluice_fold_facts($1::xid8, $2::xid8, $3::uuid[], $4::timestamptz[])
                WHERE NOT session_simple
                """, [from, to] + only.parameters)
            while true {
                let rows = try conn.execute("FETCH \(page) FROM sluice_session_fold").decodedRows
                for row in rows { add(SessionFold.summary(of: try event(row))) }
                if rows.count < page { break }
            }
            try conn.execute("CLOSE sluice_session_fold")
        }
        clock.lap("sessions: read and fold")
        let now = try conn.execute("SELECT now()::text AS now").value(Timestamp.self)
        var written = 0
        if !sessions.isEmpty {
            let ids = sessions.keys.map(\.lowercased).sorted()
            let existing = try conn.execute(
                "SELECT \(SessionRow.columns) FROM agent_sessions WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
                [PostgresArray.literal(ids)]).decodedRows
            for row in existing {
                // A stored row that cannot be read must stop the step: writing the new events over it would lose the old ones.
                let old = try SessionRow.summary(row)
                guard let new = sessions[old.sessionId] else { continue }
                sessions[old.sessionId] = SessionFold.merge(old, new)
            }
            written += try upsert(sessions.values.sorted { $0.sessionId.lowercased < $1.sessionId.lowercased }, now: now, idleTimeout: idleTimeout, on: conn)
        }
        clock.lap("sessions: merge and write")
        // Sessions that went quiet: their end time and outcome follow from the idle timeout.
        let idleBefore = Timestamp(microsecondsSinceEpoch: now.microsecondsSinceEpoch - microseconds(idleTimeout))
        var idle: [SessionSummary] = []
        for row in try conn.execute("""
            SELECT \(SessionRow.columns) FROM agent_sessions
            WHERE end_time IS NULL AND last_event_at <= $1::timestamptz ORDER BY id FOR UPDATE
            """, [idleBefore.rfc3339]).decodedRows {
            idle.append(try SessionRow.summary(row))
        }
        written += try upsert(idle, now: now, idleTimeout: idleTimeout, on: conn)
        let touched = (Array(sessions.keys) + idle.map(\.sessionId)).map(\.lowercased)
        if !touched.isEmpty {
            // Under locks per session that the chat part takes too (functions/sluice_lock_chat_sessions.sql).
            try conn.execute("SELECT sluice_chat_sessions_end($1::uuid[])", [PostgresArray.literal(touched)])
        }
        clock.lap("sessions: idle")
        return written
    }

    private static func upsert(_ sessions: [SessionSummary], now: Timestamp, idleTimeout: Duration, on conn: PostgresConnection) throws(StoreError) -> Int {
        guard !sessions.isEmpty else { return 0 }
        let rows = sessions.map { SessionRow.parameters($0, now: now, idleTimeout: idleTimeout) }
        let columns = (0..<13).map { c in PostgresArray.literal(rows.map { $0[c] }) }
        return try conn.execute("""
            INSERT INTO agent_sessions (\(SessionRow.columns))
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[],
                                 $7::int[], $8::jsonb[], $9::jsonb[], $10::text[], $11::numeric[], $12::timestamptz[], $13::jsonb[])
            ON CONFLICT (id) DO UPDATE SET
                agent_id = excluded.agent_id, agent_version = excluded.agent_version, project_id = excluded.project_id,
                start_time = excluded.start_time, end_time = excluded.end_time, duration = excluded.duration,
                context = excluded.context, metrics = excluded.metrics, outcome = excluded.outcome,
                quality_score = excluded.quality_score, last_event_at = excluded.last_event_at, fold = excluded.fold
            """, columns).affectedRows
    }

    /// An event from a row of the cursor above; a value that is not an event's throws.
    static func event(_ r: Row) throws(StoreError) -> AgentEvent {
        AgentEvent(id: try r.decode(UUID.self, at: 0), timestamp: try r.decode(Timestamp.self, at: 1),
                   eventType: try r.decodeIfPresent(String.self, at: 2) ?? "", agentId: try r.decodeIfPresent(String.self, at: 3) ?? "",
                   agentVersion: try r.decodeIfPresent(String.self, at: 4) ?? "", sessionId: try r.decode(UUID.self, at: 5),
                   projectId: try r.decode(Int32.self, at: 6), context: try r.decode(JSONText.self, at: 7),
                   data: try r.decode(JSONText.self, at: 8), metrics: try r.decodeIfPresent(JSONText.self, at: 9),
                   severity: try r.decodeIfPresent(String.self, at: 10).flatMap(Severity.init(rawValue:)))
    }

    static func microseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
    }
}
