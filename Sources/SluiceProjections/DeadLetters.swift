import SluiceStore

/// The events a part of the projector set aside because its fold could not take them
/// (`projector_dead_letters`, created by migrations/0021_projector_dead_letters.sql): listed by `sluice projections failures`, folded
/// again by `sluice projections retry` once the cause is fixed.
public enum DeadLetters {
    /// One event set aside by one part.
    public struct Entry: Sendable, Equatable {
        public var part: String
        public var eventId: String
        public var eventTimestamp: String
        public var ingestXid: String
        public var sqlState: String?
        public var error: String
        public var firstFailedAt: String
        public var lastFailedAt: String
        public var attempts: Int
    }

    /// The dead letters, oldest first; of one part, or of every part.
    public static func list(part: Projector.Part? = nil, limit: Int = 1000, on conn: PostgresConnection) throws(StoreError) -> [Entry] {
        try conn.execute("""
            SELECT projector, event_id::text, event_timestamp::text, ingest_xid::text, sql_state, error,
                   first_failed_at::text, last_failed_at::text, attempts
            FROM projector_dead_letters WHERE $1::text IS NULL OR projector = $1
            ORDER BY first_failed_at, projector, event_timestamp, event_id LIMIT $2::int
            """, [part?.rawValue, String(limit)]).decodedRows.map { r throws(StoreError) in
            func text(_ i: Int) throws(StoreError) -> String { try r.decode(String.self, at: i) }
            return Entry(part: try text(0), eventId: try text(1), eventTimestamp: try text(2), ingestXid: try text(3),
                         sqlState: try r.decodeIfPresent(String.self, at: 4), error: try text(5),
                         firstFailedAt: try text(6), lastFailedAt: try text(7), attempts: try r.decode(Int.self, at: 8))
        }
    }

    /// What ``retry(_:idleTimeout:on:)`` did.
    public struct RetryOutcome: Sendable, Equatable {
        /// False when another process held the part's lock (or a rebuild was running).
        public var ran: Bool
        /// Dead letters folded now, and removed.
        public var folded: Int = 0
        /// Dead letters that still fail (their attempts counted).
        public var failing: Int = 0
        /// Dead letters whose event is no longer in the log (retention dropped its day), removed.
        public var gone: Int = 0
    }

    /// Folds the dead letters of `part` again, in one transaction under the part's lock: those that
    /// fold now leave the table, the others stay with their newest error. Blocking.
    public static func retry(_ part: Projector.Part, idleTimeout: Duration = .seconds(1800),
                             on conn: PostgresConnection) throws(StoreError) -> RetryOutcome {
        try conn.transaction { () throws(StoreError) in
            guard try Projector.lockPart(part, on: conn) else { return RetryOutcome(ran: false) }
            try Projector.tune(conn)
            var outcome = RetryOutcome(ran: true)
            outcome.gone = try conn.execute("""
                DELETE FROM projector_dead_letters d WHERE d.projector = $1
                  AND NOT EXISTS (SELECT 1 FROM agent_events e WHERE e.id = d.event_id AND e."timestamp" = d.event_timestamp)
                """, [part.rawValue]).affectedRows
            let keys = try conn.execute("""
                SELECT event_id::text, event_timestamp::text, ingest_xid::text FROM projector_dead_letters
                WHERE projector = $1 ORDER BY ingest_xid, event_timestamp, event_id FOR UPDATE
                """, [part.rawValue]).decodedRows.map { r throws(StoreError) in try LoggedEventKey(r) }
            guard let first = keys.first, let last = keys.last else { return outcome }
            let plain = try conn.execute("SELECT sluice_mode()").value(DatabaseMode.self) == .plain
            let to = try conn.execute("SELECT ($1::text::numeric + 1)::text", [last.ingestXid]).value(String.self)
            let range = FoldRange(part: part, from: first.ingestXid, to: to, plain: plain, idleTimeout: idleTimeout)
            var clock = PhaseClock()
            let folded = try Isolation.fold(keys, of: range, on: conn, clock: &clock)
            let failing = Set(folded.failures.map(\.key))
            let done = keys.filter { !failing.contains($0) }
            try conn.execute("""
                DELETE FROM projector_dead_letters d USING unnest($2::uuid[], $3::timestamptz[]) AS k (id, ts)
                WHERE d.projector = $1 AND d.event_id = k.id AND d.event_timestamp = k.ts
                """, [part.rawValue, PostgresArray.literal(done.map(\.id)), PostgresArray.literal(done.map(\.timestamp))])
            _ = try Isolation.setAside(folded.failures, of: part, on: conn)
            outcome.folded = done.count
            outcome.failing = failing.count
            return outcome
        }
    }
}
