import SluiceStore

/// Finds the events of a range that a fold cannot take, and sets them aside.
///
/// When a fold fails on its data, the range is folded again in slices (``Bisection``), each under
/// a savepoint: a slice that folds is kept, one that fails is rolled back and split, and a single
/// event that still fails is a dead letter (`projector_dead_letters`), recorded in
/// the same transaction as the position that moves past it. Folding in slices gives what one fold
/// gives: every projection merges by addition, minimum, maximum or upsert, in any number of pieces.
enum Isolation {
    /// True for failures that the data of a range can cause (a value out of range, a constraint,
    /// an event the Swift fold cannot read): worth folding the range again in slices. Not for a
    /// lost connection, a lock or statement timeout, a deadlock or a missing object.
    static func mayBeData(_ error: StoreError) -> Bool {
        switch error {
        case .protocolViolation, .decoding: return true
        case .server(let state, _, _):
            // 22: data exception; 23: integrity constraint; 54: program limit (a string too long
            // for a tsvector, an array too large); P0: raised by PL/pgSQL; 2200x included.
            return !error.isTransient && (state.hasPrefix("22") || state.hasPrefix("23") || state.hasPrefix("54") || state.hasPrefix("P0"))
        default: return false
        }
    }

    /// The keys of the events stored by transactions in `[from, to)`, in the order folds read them.
    static func keys(from: String, to: String, on conn: PostgresConnection) throws(StoreError) -> [LoggedEventKey] {
        try conn.execute("""
            SELECT id::text, "timestamp"::text, ingest_xid::text FROM agent_events
            WHERE ingest_xid >= $1::xid8 AND ingest_xid < $2::xid8 ORDER BY ingest_xid, "timestamp", id
            """, [from, to]).decodedRows.map { r throws(StoreError) in try LoggedEventKey(r) }
    }

    /// What ``fold(_:of:on:clock:)`` did.
    struct Outcome {
        var folded = FoldRange.Counts()
        /// The events that failed on their own, with the error of their last try.
        var failures: [(key: LoggedEventKey, error: StoreError)] = []
    }

    /// Folds `keys` (events of `range`) in slices, keeping every slice that folds. Throws when the
    /// failure is not the data's: a fold of no event at all fails too, or an error that
    /// ``mayBeData(_:)`` rules out.
    static func fold(_ keys: [LoggedEventKey], of range: FoldRange, on conn: PostgresConnection,
                     clock: inout PhaseClock) throws(StoreError) -> Outcome {
        var outcome = Outcome()
        // A fold that fails without any event is broken for every range: setting events aside
        // would only hide it.
        outcome.folded = try savepoint(on: conn) { () throws(StoreError) in try range.fold(EventSelection(keys: []), events: 0, on: conn, clock: &clock) }
        var bisection = Bisection(count: keys.count)
        var last: [Int: StoreError] = [:]
        while let slice = bisection.next {
            do throws(StoreError) {
                let counts = try savepoint(on: conn) { () throws(StoreError) in
                    try range.fold(.only(keys[slice]), events: slice.count, on: conn, clock: &clock)
                }
                outcome.folded.hourlyRows += counts.hourlyRows
                outcome.folded.sessions += counts.sessions
                bisection.succeeded()
            } catch where mayBeData(error) {
                if slice.count == 1 { last[slice.lowerBound] = error }
                bisection.failed()
            }
        }
        outcome.failures = bisection.failures.map { (keys[$0], last[$0] ?? .protocolViolation("failed")) }
        return outcome
    }

    /// Folds all of `range`; if that fails on its data, folds it again in slices and sets aside the
    /// events that fail. Returns what was written and how many events were set aside.
    static func foldSettingAside(_ range: FoldRange, events: Int, on conn: PostgresConnection,
                                 clock: inout PhaseClock) throws(StoreError) -> (FoldRange.Counts, Int) {
        do throws(StoreError) {
            return (try savepoint(on: conn) { () throws(StoreError) in try range.fold(.all, events: events, on: conn, clock: &clock) }, 0)
        } catch where mayBeData(error) {
            let outcome = try fold(try keys(from: range.from, to: range.to, on: conn), of: range, on: conn, clock: &clock)
            return (outcome.folded, try setAside(outcome.failures, of: range.part, on: conn))
        }
    }

    /// Records `failures` as dead letters of `part` (again: the attempt is counted); returns how many.
    static func setAside(_ failures: [(key: LoggedEventKey, error: StoreError)], of part: Projector.Part,
                         on conn: PostgresConnection) throws(StoreError) -> Int {
        guard !failures.isEmpty else { return 0 }
        try conn.execute("""
            INSERT INTO projector_dead_letters AS d (projector, event_id, event_timestamp, ingest_xid, sql_state, error)
            SELECT $1, f.id, f.ts, f.xid, f.state, f.error
            FROM unnest($2::uuid[], $3::timestamptz[], $4::xid8[], $5::text[], $6::text[]) AS f (id, ts, xid, state, error)
            ON CONFLICT (projector, event_id, event_timestamp) DO UPDATE SET
                last_failed_at = now(), attempts = d.attempts + 1, sql_state = excluded.sql_state, error = excluded.error
            """, [
                part.rawValue,
                PostgresArray.literal(failures.map(\.key.id)), PostgresArray.literal(failures.map(\.key.timestamp)),
                PostgresArray.literal(failures.map(\.key.ingestXid)),
                PostgresArray.literal(failures.map { f -> String? in
                    if case .server(let state, _, _) = f.error { return state }
                    return nil
                }),
                PostgresArray.literal(failures.map(\.error.description)),
            ])
        return failures.count
    }

    /// Runs `body` under a savepoint: released when it returns, rolled back to when it throws.
    static func savepoint<T>(on conn: PostgresConnection, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try conn.execute("SAVEPOINT sluice_fold")
        do throws(StoreError) {
            let value = try body()
            try conn.execute("RELEASE SAVEPOINT sluice_fold")
            return value
        } catch {
            try conn.execute("ROLLBACK TO SAVEPOINT sluice_fold")
            try conn.execute("RELEASE SAVEPOINT sluice_fold")
            throw error
        }
    }
}

extension LoggedEventKey {
    /// A key read as (`id::text`, `"timestamp"::text`, `ingest_xid::text`).
    init(_ row: Row) throws(StoreError) {
        self.init(id: try row.decode(String.self, at: 0), timestamp: try row.decode(String.self, at: 1),
                  ingestXid: try row.decode(String.self, at: 2))
    }
}
