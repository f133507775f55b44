import Foundation

/// The continuous aggregates of TimescaleDB mode (`timescale/`), refreshed by hand where their
/// policies do not reach (they refresh only the last 30 days, and not at all where TimescaleDB's
/// job scheduler fails, as 2.28.3 does on PostgreSQL 15.20): by a rebuild, by the projector for
/// days of events too old for the policies, and by retention before it drops a day. Every refresh
/// is its own transaction (TimescaleDB refuses one inside a transaction block), and runs without
/// JIT: a refresh of `agent_events_daily_all_projects` over one day took 1.3 s with it (the
/// compilation of its query over two real-time levels) and 24 to 52 ms without (TimescaleDB 2.28.3).
/// TimescaleDB refuses a refresh while another one of the same aggregate runs over an overlapping
/// window (the projector's late days, a rebuild, retention): such a refresh is retried.
///
/// No refresh here ends after now(): TimescaleDB narrows the window to whole buckets, so the
/// bucket still filling is never materialized, and its events stay above every watermark, shown in
/// real time (`functions/sluice_late_days.timescale.sql`). A refresh to the end of time materialized the current hour and day,
/// and events that arrived for them afterwards were missing until a policy reached them.
public enum ContinuousAggregates {
    /// Refresh order: the hourly aggregates before the daily ones built on them.
    public static let names = ["agent_events_hourly", "agent_events_hourly_all_projects", "agent_tools_hourly", "agent_costs_daily",
                               "agent_events_daily", "agent_events_daily_all_projects", "agent_tools_daily"]

    /// Recomputes every continuous aggregate from the raw chunks that remain: from the end of the
    /// latest day retention dropped (whose aggregates exist only in the materialization and must
    /// never be refreshed away), or from the start when none was dropped. Blocking; does nothing
    /// in plain mode. Returns the start of the refreshed range (nil: everything).
    @discardableResult
    public static func refreshAll(on conn: PostgresConnection) throws(StoreError) -> String? {
        guard try conn.execute("SELECT sluice_mode()").value(DatabaseMode.self) == .timescale else { return nil }
        let from = try conn.execute("""
            SELECT max(sluice_day_start(day + 1))::text FROM sluice_archive_parts WHERE dropped_at IS NOT NULL
            """).scalar(String.self)
        try withoutJIT(conn) { () throws(StoreError) in
            for name in names {
                try call("CALL refresh_continuous_aggregate($1::text::regclass, $2::timestamptz, now())", [name, from], on: conn)
            }
        }
        return from
    }

    /// Materializes the rollups built on other continuous aggregates that hold nothing yet
    /// (`functions/sluice_unmaterialized_rollups.timescale.sql`), over their whole range, parents first:
    /// a migration creates them empty. Blocking; TimescaleDB mode only. Returns their names.
    @discardableResult
    public static func materializeNewRollups(on conn: PostgresConnection) throws(StoreError) -> [String] {
        let empty = Set(try conn.execute("SELECT * FROM sluice_unmaterialized_rollups()").column(String.self))
        let names = Self.names.filter(empty.contains)
        try withoutJIT(conn) { () throws(StoreError) in
            for name in names {
                try call("CALL refresh_continuous_aggregate($1::text::regclass, NULL, now())", [name], on: conn)
            }
        }
        return names
    }

    /// Refreshes every continuous aggregate over the UTC days `first` through `last` (`YYYY-MM-DD`),
    /// hourly ones first. Blocking.
    public static func refresh(from first: String, through last: String, on conn: PostgresConnection) throws(StoreError) {
        for name in names { try refresh(name, from: first, through: last, on: conn) }
    }

    /// Runs a refresh, again while TimescaleDB reports a concurrent refresh of an overlapping window
    /// (SQLSTATE 55P03), for up to about 30 s.
    private static func call(_ sql: String, _ parameters: [String?], on conn: PostgresConnection) throws(StoreError) {
        var attempt = 0
        while true {
            do {
                _ = try conn.execute(sql, parameters)
                return
            } catch .server(sqlState: "55P03", _, _) where attempt < 60 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.5)
            } catch .server(sqlState: "22023", let message, _) where message.hasPrefix("refresh window too small") {
                return  // no whole bucket before now: nothing to materialize yet (its rows are shown in real time)
            }
        }
    }

    /// Runs `body` with JIT off for the session (a refresh cannot run inside a transaction, where
    /// `SET LOCAL` would end with it), then restores the setting.
    private static func withoutJIT(_ conn: PostgresConnection, _ body: () throws(StoreError) -> Void) throws(StoreError) {
        try conn.execute("SET jit = off")
        defer { _ = try? conn.execute("RESET jit") }
        try body()
    }

    /// Recomputes `aggregate` over the UTC days `first` through `last` from its source (`force`:
    /// whatever its invalidation log says). Only for days none of whose raw rows were dropped: a
    /// refresh over dropped rows erases their aggregates. Blocking.
    public static func refresh(_ aggregate: String, from first: String, through last: String, on conn: PostgresConnection) throws(StoreError) {
        try withoutJIT(conn) { () throws(StoreError) in
            try call("""
                CALL refresh_continuous_aggregate($1::text::regclass, sluice_day_start($2::date),
                                                  least(sluice_day_start($3::date + 1), now()), force => true)
                """, [aggregate, first, last], on: conn)
        }
    }
}
