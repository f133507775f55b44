import SluiceStore

/// The continuous aggregates of TimescaleDB mode (`timescale/`): what a rebuild recomputes there,
/// since their policies refresh only the last 30 days (and not at all where TimescaleDB's job
/// scheduler fails, as 2.28.3 does on PostgreSQL 15.20).
public enum ContinuousAggregates {
    /// Refresh order: the hourly aggregates before the daily ones built on them.
    public static let names = ["agent_events_hourly", "agent_tools_hourly", "agent_costs_daily", "agent_events_daily", "agent_tools_daily"]

    /// Recomputes every continuous aggregate from the raw chunks that remain: from the end of the
    /// latest day retention dropped (whose aggregates exist only in the materialization and must
    /// never be refreshed away), or from the start when none was dropped. Each refresh is its own
    /// transaction (TimescaleDB refuses one inside a transaction block). Blocking; does nothing
    /// in plain mode. Returns the start of the refreshed range (nil: everything).
    @discardableResult
    public static func refreshAll(on conn: PostgresConnection) throws(StoreError) -> String? {
        guard try conn.execute("SELECT sluice_mode()").scalar() == "timescale" else { return nil }
        let from = try conn.execute("""
            SELECT max(sluice_day_start(day + 1))::text FROM sluice_archive_parts WHERE dropped_at IS NOT NULL
            """).scalar()
        for name in names {
            try conn.execute("CALL refresh_continuous_aggregate($1::text::regclass, $2::timestamptz, NULL)", [name, from])
        }
        return from
    }

    /// Refreshes every continuous aggregate over each of the UTC `days` (`YYYY-MM-DD`), hourly
    /// ones first. Each refresh is its own transaction. Blocking.
    public static func refresh(days: [String], on conn: PostgresConnection) throws(StoreError) {
        for day in days {
            for name in names {
                try conn.execute("""
                    CALL refresh_continuous_aggregate($1::text::regclass, $2::date::timestamp AT TIME ZONE 'UTC',
                                                      ($2::date + 1)::timestamp AT TIME ZONE 'UTC')
                    """, [name, day])
            }
        }
    }
}
