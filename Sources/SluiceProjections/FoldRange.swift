import SluiceStore

/// One part's fold of the events stored by transactions in `[from, to)`: what a step, a rebuild,
/// an isolation and a retry all run. The caller holds the part's lock and the transaction.
struct FoldRange: Sendable {
    var part: Projector.Part
    var from: String
    var to: String
    /// Plain mode: the aggregates are tables the projector writes; in TimescaleDB mode they are
    /// continuous aggregates, and the aggregates part only records late days.
    var plain: Bool
    var idleTimeout: Duration

    /// What one fold wrote.
    struct Counts: Sendable {
        var hourlyRows = 0
        var sessions = 0
    }

    /// Folds `selection` of the range. `events`: how many events the selection holds (the session
    /// fold uses it to skip its second read when PostgreSQL pre-folded them all).
    func fold(_ selection: EventSelection, events: Int, on conn: PostgresConnection, clock: inout PhaseClock) throws(StoreError) -> Counts {
        var counts = Counts()
        let range: [String?] = [from, to] + selection.parameters
        switch part {
        case .aggregates where plain:
            counts.hourlyRows = try conn.execute(
                "SELECT sluice_project_aggregates($1::xid8, $2::xid8, $3::uuid[], $4::timestamptz[])", range).value(Int.self)
            clock.lap("aggregates")
        case .aggregates:
            try conn.execute("SELECT sluice_request_late_days($1::xid8, $2::xid8)", [from, to])
            clock.lap("late days")
        case .chat:
            try conn.execute("SELECT sluice_project_hierarchy($1::xid8, $2::xid8, $3::uuid[], $4::timestamptz[])", range)
            clock.lap("hierarchy")
            try conn.execute("SELECT sluice_project_chat($1::xid8, $2::xid8, $3::uuid[], $4::timestamptz[])", range)
            clock.lap("chat")
        case .agentSessions:
            counts.sessions = try SessionProjector.advance(
                from: from, to: to, only: selection, events: events, idleTimeout: idleTimeout, on: conn, clock: &clock)
        }
        return counts
    }
}
