import Foundation
import SluiceCore
import SluiceStore

/// Folds new events of the log into the projections, exactly once. It runs as three ``Part``s,
/// each with its own position in the log, so that `serve` folds on three connections at once: the
/// aggregates; the hierarchy and chat; agent sessions.
///
/// **Gap-free position.** Every row of `agent_events` carries `ingest_xid`, the id of the
/// transaction that stored it. A step reads `horizon = sluice_step_horizon()`, the oldest
/// transaction still running, leaving out projector steps (which never store events), or the
/// snapshot's xmax when there is none (`functions/sluice_step_horizon.sql`): every transaction with a lower id
/// has ended, committed or not, or stores no events, and every transaction that has not yet stored
/// anything will get a higher id. So the rows with `ingest_xid` in `[position, horizon)` are
/// final: none can appear there later, as a row with a lower sequence number could after a
/// concurrent commit. The step folds exactly that range and stores `horizon` as its part's new
/// position in the same transaction, so a crash either keeps both or neither. A step folds at most
/// about ``maximumEventsPerStep`` events (whole transactions), so steps stay short behind a large
/// backlog and a shutdown never waits long for one. Leaving projector steps out is what lets the
/// parts fold concurrently: otherwise each part's horizon would stay below the other part's
/// running step. It holds as long as no transaction that holds the `sluice_projector` lock (a
/// step's, a rebuild's, or one of a late-day refresh, which holds it for its session) ever writes
/// `agent_events`. Because a transaction left out by one step may be kept by the next (it
/// ended between the snapshot and the lock table's read), a step never moves its position back.
///
/// **One projector at a time, per part.** A step holds a transaction-level advisory lock of its
/// part (and shares one with every step; a rebuild takes that one alone). With several
/// `sluice serve` processes on one database, a step that cannot take its lock returns at once. No
/// event is folded twice. The parts write disjoint tables but for one column: the end of a chat
/// session, which both the chat and the agent-sessions parts write, under locks per session that
/// they take in one order (`functions/sluice_lock_chat_sessions.sql`).
///
/// A transaction that stays open (even an unrelated one that wrote something) holds the horizon
/// back: projections then lag until it ends.
public enum Projector {
    /// A part of the projector: the projections it writes, folded from its own position
    /// (`projector_positions`; the parts allowed: `triggers/projector_positions_parts_only.sql`).
    public enum Part: String, Sendable, CaseIterable {
        /// Hourly, daily, per-tool and per-model rollups (plain mode); in TimescaleDB mode, where they
        /// are continuous aggregates, the days too old for their refresh policies.
        case aggregates
        /// The hierarchy (projects, machines, workspaces), chat sessions and messages (a chat session
        /// needs its workspace).
        case chat
        /// Agent sessions, and the end of their chat sessions.
        case agentSessions = "agent_sessions"
    }

    /// What one step did.
    public struct Step: Sendable, Equatable {
        /// False when another process held the part's lock (or a rebuild was running).
        public var ran: Bool
        /// Hourly rows inserted or updated.
        public var hourlyRows: Int
        /// Sessions inserted or updated.
        public var sessions: Int
        public var horizon: String
        /// False when the step stopped at ``maximumEventsPerStep`` short of what is final.
        public var caughtUp: Bool = true
        /// Events folded.
        public var events: Int = 0
        /// TimescaleDB mode: UTC days of events that lie before the refresh policies' window,
        /// this step's and those whose refresh has not succeeded yet, refreshed by the step after
        /// its commit (`functions/sluice_late_days.timescale.sql`, `functions/sluice_request_late_days.timescale.sql`).
        public var lateDays: [LateDay] = []
        /// Where the step spent its time, in order (summed over the steps of a rebuild).
        public var phases: [Phase] = []
        /// Events of the range that the fold could not take, set aside in `projector_dead_letters`.
        public var deadLetters: Int = 0

        /// Adds `next` (a later step of the same rebuild) to this one.
        public mutating func absorb(_ next: Step) {
            hourlyRows += next.hourlyRows
            sessions += next.sessions
            events += next.events
            horizon = next.horizon
            caughtUp = next.caughtUp
            deadLetters += next.deadLetters
            for p in next.phases {
                if let i = phases.firstIndex(where: { $0.name == p.name }) { phases[i].seconds += p.seconds } else { phases.append(p) }
            }
        }
    }

    /// A UTC day (`YYYY-MM-DD`) to refresh in every continuous aggregate, and the transaction that
    /// last asked for it (`sluice_late_day_refreshes`).
    public struct LateDay: Sendable, Equatable {
        public var day: String
        public var requested: String
    }

    /// The time a step spent on one part of its work.
    public struct Phase: Sendable, Equatable, CustomStringConvertible {
        public var name: String
        public var seconds: Double

        public var description: String { "\(name) \(String(format: "%.3f", seconds)) s" }
    }

    /// Folds into `part` everything that has become final since its last step. Blocking. In
    /// TimescaleDB mode, the aggregates part then refreshes the days of events that no continuous
    /// aggregate would show otherwise (each refresh its own transaction; TimescaleDB refuses one
    /// inside a transaction block), and a day stays pending until its refresh succeeds: a step that
    /// fails there leaves it to the next one.
    ///
    /// When the fold fails on the data of its range, the step folds the range again at once,
    /// setting aside the events that fail (see ``Isolation``): no stored event can stop a part. A
    /// step that fails for another reason (the connection, a lock timeout) is counted in
    /// `projector_positions.failures` and changes nothing else; the next step tries again.
    public static func step(
        _ part: Part, idleTimeout: Duration = .seconds(1800), maximumEvents: Int = maximumEventsPerStep,
        on conn: PostgresConnection
    ) throws(StoreError) -> Step {
        let started = ContinuousClock.now
        func attempt(isolating: Bool) throws(StoreError) -> Step {
            try conn.transaction { () throws(StoreError) in
                try tune(conn)
                guard try lockPart(part, on: conn) else { return Step(ran: false, hourlyRows: 0, sessions: 0, horizon: "") }
                return try advance(part, isolating: isolating, idleTimeout: idleTimeout, maximumEvents: maximumEvents,
                                   started: started, on: conn)
            }
        }
        do throws(StoreError) {
            var step: Step
            do throws(StoreError) {
                step = try attempt(isolating: false)
            } catch where Isolation.mayBeData(error) {
                step = try attempt(isolating: true)
            }
            if !step.lateDays.isEmpty { try refresh(step.lateDays, on: conn) }
            return step
        } catch {
            recordFailure(part, error, on: conn)
            throw error
        }
    }

    /// Takes the step's locks: its part's, and the one every step shares (a rebuild takes it alone).
    static func lockPart(_ part: Part, on conn: PostgresConnection) throws(StoreError) -> Bool {
        try conn.execute("""
            SELECT pg_try_advisory_xact_lock_shared(hashtext('sluice_projector'))
               AND pg_try_advisory_xact_lock(hashtext('sluice_projector.' || $1))
            """, [part.rawValue]).value(Bool.self)
    }

    /// Counts a failed step in `projector_positions` (outside the failed transaction, which was
    /// rolled back); best effort, since the failure may be the connection's.
    private static func recordFailure(_ part: Part, _ error: StoreError, on conn: PostgresConnection) {
        guard conn.isHealthy else { return }
        _ = try? conn.execute("""
            INSERT INTO projector_positions AS p (projector, failures, last_error, last_error_at) VALUES ($1, 1, $2, now())
            ON CONFLICT (projector) DO UPDATE SET failures = p.failures + 1, last_error = excluded.last_error, last_error_at = now()
            """, [part.rawValue, error.description])
    }

    /// TimescaleDB mode: refreshes the late days outside any transaction block, holding the shared
    /// `sluice_projector` lock for the session meanwhile. pg_locks shows a session's lock under the
    /// transaction the session is running, so the refresh's transactions are left out of every
    /// part's step horizon as a step's are (none of them writes `agent_events`): a refresh of seven
    /// aggregates over a day does not hold every part's projections back while it runs. A rebuild,
    /// which takes that lock alone, waits for it. Blocking.
    /// Each run of consecutive days is refreshed in one call per aggregate (``RefreshWindows``).
    private static func refresh(_ days: [LateDay], on conn: PostgresConnection) throws(StoreError) {
        try conn.execute("SELECT pg_advisory_lock_shared(hashtext('sluice_projector'))")
        defer { _ = try? conn.execute("SELECT pg_advisory_unlock_shared(hashtext('sluice_projector'))") }
        var numbers: [Int] = []
        for late in days {
            guard let n = dayNumber(late.day) else { throw .protocolViolation("sluice_pending_late_days returned \(late.day), not a date") }
            numbers.append(n)
        }
        for window in RefreshWindows.plan(days: numbers) {
            try ContinuousAggregates.refresh(from: dayText(window.lowerBound), through: dayText(window.upperBound), on: conn)
            for (late, n) in zip(days, numbers) where window.contains(n) {
                try conn.execute("SELECT sluice_late_day_refreshed($1::date, $2::xid8)", [late.day, late.requested])
            }
        }
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` date.
    static func dayNumber(_ day: String) -> Int? {
        guard let t = Timestamp(rfc3339: day + "T00:00:00Z") else { return nil }
        return Int(t.microsecondsSinceEpoch / 86_400_000_000)
    }

    /// The `YYYY-MM-DD` date of a day number.
    static func dayText(_ n: Int) -> String {
        String(Timestamp(microsecondsSinceEpoch: Int64(n) * 86_400_000_000).rfc3339.prefix(10))
    }

    /// Steps every part once, one after the other, on one connection (`serve` steps them
    /// concurrently, each on its own).
    public static func stepAll(
        idleTimeout: Duration = .seconds(1800), maximumEvents: Int = maximumEventsPerStep, on conn: PostgresConnection
    ) throws(StoreError) -> [Step] {
        var steps: [Step] = []
        for part in Part.allCases {
            steps.append(try step(part, idleTimeout: idleTimeout, maximumEvents: maximumEvents, on: conn))
        }
        return steps
    }

    /// Drops every projection and folds the whole log again, in one transaction (readers see the
    /// old projections until it commits). Blocking; waits for the running steps of every part.
    /// Aggregate rows of days retention dropped, and sessions with events on such days, are kept
    /// as they were: their raw events are only in the archive (`functions/sluice_rebuild_keep.sql`, `functions/sluice_rebuild_restore.sql`).
    public static func rebuild(
        idleTimeout: Duration = .seconds(1800), maximumEvents: Int = maximumEventsPerStep, on conn: PostgresConnection
    ) throws(StoreError) -> Step {
        try conn.transaction { () throws(StoreError) in
            try conn.execute("SELECT pg_advisory_xact_lock(hashtext('sluice_projector'))")
            try tune(conn)
            // What was folded from days retention dropped lives only in the projections: keep it.
            try conn.execute("SELECT sluice_rebuild_keep()")
            let plain = try conn.execute("SELECT sluice_mode()").value(DatabaseMode.self) == .plain
            if plain {
                try conn.execute("SELECT sluice_rebuild_truncate()")
            }
            try conn.execute("DELETE FROM agent_sessions")
            try conn.execute("DELETE FROM chat_messages")
            try conn.execute("DELETE FROM chat_sessions")
            // The whole log is folded again: what fails now is set aside again.
            try conn.execute("DELETE FROM projector_dead_letters")
            let final = try conn.execute("SELECT sluice_step_horizon()::text").value(String.self)
            // Late days are not recorded: the rebuild's caller refreshes every aggregate
            // (ContinuousAggregates.refreshAll).
            let parts: [Part] = plain ? Part.allCases : [.chat, .agentSessions]
            var total = Step(ran: true, hourlyRows: 0, sessions: 0, horizon: "0")
            var position = "0"
            repeat {
                var clock = PhaseClock()
                let (horizon, events) = try boundedHorizon(from: position, final: final, maximumEvents: maximumEvents, on: conn)
                clock.lap("horizon")
                var step = Step(ran: true, hourlyRows: 0, sessions: 0, horizon: horizon, caughtUp: horizon == final, events: events)
                for part in parts where horizon != position || part == .agentSessions {
                    let range = FoldRange(part: part, from: position, to: horizon, plain: plain, idleTimeout: idleTimeout)
                    let (counts, setAside) = try Isolation.foldSettingAside(range, events: events, on: conn, clock: &clock)
                    step.absorbCounts(counts)
                    step.deadLetters += setAside
                }
                step.phases = clock.phases
                total.absorb(step)
                position = horizon
            } while !total.caughtUp
            for part in Part.allCases {
                try conn.execute("""
                    INSERT INTO projector_positions (projector, horizon) VALUES ($1, $2::xid8)
                    ON CONFLICT (projector) DO UPDATE SET horizon = excluded.horizon, updated_at = now(),
                        stepped_at = now(), caught_up_at = now(), failures = 0
                    """, [part.rawValue, position])
            }
            try conn.execute("SELECT sluice_rebuild_restore()")
            return total
        }
    }

    /// Settings for the step's transaction: memory to hash a step's groups without spilling, no
    /// parallel workers (a step is short; workers would only take CPU from ingest), and no JIT (on
    /// a hypertable of many chunks the planner's estimates set it off: TimescaleDB 2.28.3 spent
    /// 550 ms compiling each step's session query, which then ran in 50).
    static func tune(_ conn: PostgresConnection) throws(StoreError) {
        // A step's transaction is never idle for long. If its server vanishes mid-step (host lost,
        // network cut: nothing closes the connection), PostgreSQL ends the transaction after this,
        // releasing the part's lock to the other servers' steps and the horizon it holds back.
        try conn.execute("SET LOCAL idle_in_transaction_session_timeout = '30s'")
        try conn.execute("SET LOCAL work_mem = '64MB'")
        try conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        try conn.execute("SET LOCAL jit = off")
    }

    /// At most about this many events are folded per step, so that a step (and a shutdown that
    /// waits for it) stays short however large the backlog; the next steps take the rest.
    public static let maximumEventsPerStep = 50_000

    /// The end of this step's range: `final`, or an earlier transaction boundary when more than
    /// ``maximumEventsPerStep`` events lie before it, and the number of events before it. A single
    /// transaction is never split.
    static func boundedHorizon(from position: String, final: String, maximumEvents: Int, on conn: PostgresConnection) throws(StoreError) -> (String, Int) {
        // The first maximumEvents + 1 rows in ingest order: when there are that many, the last
        // one's transaction is the cut, and the rows before it are the step's.
        let row = try conn.executePrepared("""
            WITH r AS MATERIALIZED (
                SELECT ingest_xid FROM agent_events
                WHERE ingest_xid >= $1::xid8 AND ingest_xid < $2::xid8
                ORDER BY ingest_xid LIMIT $3::int + 1)
            SELECT count(*), max(ingest_xid)::text, count(*) FILTER (WHERE ingest_xid < (SELECT max(ingest_xid) FROM r)) FROM r
            """, [position, final, String(maximumEvents)]).requireRow()
        let count = try row.decode(Int.self, at: 0)
        guard count > maximumEvents, let cut = try row.decodeIfPresent(String.self, at: 1) else { return (final, count) }
        if cut != position { return (cut, try row.decode(Int.self, at: 2)) }
        // One transaction alone holds that many events: take all of it.
        let next = try conn.execute("""
            SELECT coalesce(min(ingest_xid), $2::xid8)::text FROM agent_events
            WHERE ingest_xid > $1::xid8 AND ingest_xid < $2::xid8
            """, [position, final]).value(String.self)
        let events = try conn.execute("""
            SELECT count(*) FROM agent_events WHERE ingest_xid >= $1::xid8 AND ingest_xid < $2::xid8
            """, [position, next]).value(Int.self)
        return (next, events)
    }

    /// Folds `[position, horizon)` of `part` and stores its new position; the caller holds the
    /// lock and the transaction. `isolating`: the fold of this range failed on its data, so fold it
    /// in slices and set aside the events that fail. The aggregates part records the range's late
    /// days (TimescaleDB mode) and returns the pending ones.
    private static func advance(_ part: Part, isolating: Bool, idleTimeout: Duration, maximumEvents: Int,
                                started: ContinuousClock.Instant, on conn: PostgresConnection) throws(StoreError) -> Step {
        var clock = PhaseClock()
        try conn.execute("INSERT INTO projector_positions (projector) VALUES ($1) ON CONFLICT DO NOTHING", [part.rawValue])
        let position = try conn.execute(
            "SELECT horizon::text FROM projector_positions WHERE projector = $1 FOR UPDATE", [part.rawValue]).value(String.self)
        // Never back: sluice_step_horizon() can come out below an earlier step's horizon (see its
        // comment), and a position moved back would fold its range again.
        let state = try conn.executePrepared("SELECT greatest($1::xid8, sluice_step_horizon())::text, sluice_mode()", [position]).requireRow()
        let final = try state.decode(String.self, at: 0)
        // TimescaleDB mode: the aggregates are continuous aggregates, refreshed by their policies.
        let plain = try state.decode(DatabaseMode.self, at: 1) == .plain
        let (horizon, events) = try boundedHorizon(from: position, final: final, maximumEvents: maximumEvents, on: conn)
        clock.lap("horizon")
        var step = Step(ran: true, hourlyRows: 0, sessions: 0, horizon: horizon, caughtUp: horizon == final, events: events)
        // A range without events has nothing to fold (the step only moves its position past the
        // transactions that stored none, the projector's own among them): its fold functions
        // would cost their planning over every partition for nothing. The sessions part still
        // runs, to end the sessions that went idle.
        if (horizon != position && events > 0) || part == .agentSessions {
            let range = FoldRange(part: part, from: position, to: horizon, plain: plain, idleTimeout: idleTimeout)
            if isolating {
                let keys = try Isolation.keys(from: position, to: horizon, on: conn)
                let outcome = try Isolation.fold(keys, of: range, on: conn, clock: &clock)
                step.absorbCounts(outcome.folded)
                step.deadLetters = try Isolation.setAside(outcome.failures, of: part, on: conn)
                clock.lap("dead letters")
            } else {
                step.absorbCounts(try range.fold(.all, events: events, on: conn, clock: &clock))
            }
        }
        if part == .aggregates && !plain {
            step.lateDays = try conn.execute("SELECT day::text, requested::text FROM sluice_pending_late_days()").decodedRows.map {
                r throws(StoreError) in LateDay(day: try r.decode(String.self, at: 0), requested: try r.decode(String.self, at: 1))
            }
        }
        let elapsed = ContinuousClock.now - started
        try conn.execute("""
            UPDATE projector_positions SET horizon = $2::xid8, updated_at = now(), stepped_at = now(),
                   caught_up_at = CASE WHEN $3::boolean THEN now() ELSE caught_up_at END, step_seconds = $4::float8, failures = 0
            WHERE projector = $1
            """, [part.rawValue, horizon, step.caughtUp ? "true" : "false", String(elapsed.seconds)])
        clock.lap("position")
        step.phases = clock.phases
        return step
    }
}

extension Projector.Step {
    /// Adds the rows and sessions one fold wrote.
    mutating func absorbCounts(_ counts: FoldRange.Counts) {
        hourlyRows += counts.hourlyRows
        sessions += counts.sessions
    }
}

extension Duration {
    /// As a number of seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Splits the time of a step into named phases.
struct PhaseClock {
    private(set) var phases: [Projector.Phase] = []
    private var last = ContinuousClock.now

    /// Ends the current phase under `name` (times of the same name add up).
    mutating func lap(_ name: String) {
        let now = ContinuousClock.now
        let seconds = (now - last).seconds
        last = now
        if let i = phases.firstIndex(where: { $0.name == name }) { phases[i].seconds += seconds } else {
            phases.append(.init(name: name, seconds: seconds))
        }
    }
}
