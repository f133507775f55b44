import SluiceStore

/// TimescaleDB mode: whether the continuous aggregates hold a day before retention drops its chunks
/// (`sluice_day_aggregates()`, `sluice_timescale_drop_refusal()`, each in its file under SQL/functions/). In plain mode
/// every check passes: the projector's tables keep what they folded.
enum DayAggregates {
    /// A continuous aggregate whose materialized rows for the day differ from what its query
    /// computes from the day's raw rows.
    struct Stale: Sendable, CustomStringConvertible {
        var aggregate: String
        var materialized: Int
        var computed: Int
        var differing: Int

        var description: String {
            "\(aggregate) (\(materialized) rows materialized, \(computed) computed from the raw rows, \(differing) differ)"
        }
    }

    /// Why the day may not be dropped whatever the aggregates hold (a refresh policy reaching it,
    /// late rows of a day dropped before), or nil.
    /// `beforeRestoring`: only what a restore of the day's dropped parts would not lift (a policy).
    static func refusal(day: String, beforeRestoring: Bool = false, on conn: PostgresConnection) throws -> String? {
        try conn.execute(beforeRestoring ? "SELECT sluice_timescale_policy_refusal($1::date)" : "SELECT sluice_timescale_drop_refusal($1::date)",
                         [day]).scalar(String.self)
    }

    /// The aggregates that do not hold the day yet, those on the raw rows before those built on
    /// them (the order to refresh them in).
    static func stale(day: String, on conn: PostgresConnection) throws -> [Stale] {
        try conn.execute("""
            SELECT aggregate, materialized, computed, differing
              FROM sluice_day_aggregates($1::date) WITH ORDINALITY a(aggregate, materialized, computed, differing, n)
             WHERE differing > 0 ORDER BY n
            """, [day]).decodedRows.map { r throws(StoreError) in
            Stale(aggregate: try r.decode(String.self, at: 0), materialized: try r.decode(Int.self, at: 1),
                  computed: try r.decode(Int.self, at: 2), differing: try r.decode(Int.self, at: 3))
        }
    }

    /// Refreshes what does not hold the day, parents first, checking again after each refresh
    /// (refreshing a parent can make an aggregate built on it differ); returns what still differs
    /// once each has been refreshed at most once. Throws what a refresh threw, naming its aggregate.
    static func refreshStale(_ stale: [Stale], day: String, on conn: PostgresConnection) throws -> [Stale] {
        var refreshed: Set<String> = []
        var current = stale
        while let next = current.first(where: { !refreshed.contains($0.aggregate) }) {
            do {
                try ContinuousAggregates.refresh(next.aggregate, from: day, through: day, on: conn)
            } catch {
                throw RefreshFailure(stale: next, error: error)
            }
            refreshed.insert(next.aggregate)
            current = try Self.stale(day: day, on: conn)
        }
        return current
    }

    struct RefreshFailure: Error, CustomStringConvertible {
        var stale: Stale
        var error: any Error
        var description: String { "\(stale) does not hold the day, and refreshing it failed: \(error)" }
    }
}
