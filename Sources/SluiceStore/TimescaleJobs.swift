/// A TimescaleDB background job of the database (a policy or TimescaleDB's own), as `sluice
/// doctor` reports it: from `timescaledb_information.jobs`, `job_stats` and, where that view
/// exists, the newest row of `job_errors`. Times are UTC, RFC 3339; nil when never.
public struct TimescaleJob: Sendable, Equatable {
    public var id: Int
    /// `proc_schema.proc_name`, e.g. `_timescaledb_functions.policy_refresh_continuous_aggregate`.
    public var procedure: String
    /// What it works on: `continuous aggregate <view>` or `hypertable <name>`; nil for jobs of the database as a whole.
    public var target: String?
    public var scheduleInterval: String?
    /// False when the job is paused (`alter_job(..., scheduled => false)`).
    public var scheduled: Bool
    public var lastRunStarted: String?
    /// `Success` or `Failed`; nil before the first run.
    public var lastRunStatus: String?
    public var lastSuccessfulFinish: String?
    public var totalRuns: Int
    public var totalSuccesses: Int
    public var totalFailures: Int
    public var nextStart: String?
    /// The newest error's time, SQLSTATE and message.
    public var lastError: String?

    /// The job as indented lines of `sluice doctor`'s report.
    var lines: [String] {
        var head = "  job \(id): \(procedure.split(separator: ".").last.map(String.init) ?? procedure)"
        if let target { head += " on \(target)" }
        head += ", every \(scheduleInterval ?? "?")" + (scheduled ? "" : " (paused)")
        var lines = [
            head,
            "    last run:    \(lastRunStarted.map { "\($0), \(lastRunStatus ?? "running")" } ?? "never")",
            "    last success \(lastSuccessfulFinish ?? "never"); runs \(totalRuns): \(totalSuccesses) succeeded, \(totalFailures) failed",
            "    next start:  \(nextStart ?? "not scheduled")",
        ]
        if let lastError { lines.append("    last error:  \(lastError)") }
        return lines
    }
}

extension TimescaleJob {
    /// The database's background jobs, by id, and whether `job_errors` exists (TimescaleDB 2.9+).
    /// Needs the timescaledb extension in the database. Blocking.
    static func all(on conn: PostgresConnection) throws(StoreError) -> (jobs: [TimescaleJob], errorsAvailable: Bool) {
        func utc(_ column: String) -> String {
            "CASE WHEN isfinite(\(column)) THEN to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END"
        }
        let rows = try conn.execute("""
            SELECT j.job_id, j.proc_schema || '.' || j.proc_name,
                   coalesce('continuous aggregate ' || ca.view_name, 'hypertable ' || j.hypertable_name),
                   j.schedule_interval::text, j.scheduled,
                   \(utc("s.last_run_started_at")), s.last_run_status, \(utc("s.last_successful_finish")),
                   coalesce(s.total_runs, 0), coalesce(s.total_successes, 0), coalesce(s.total_failures, 0),
                   \(utc("coalesce(s.next_start, j.next_start)"))
            FROM timescaledb_information.jobs j
            LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
            LEFT JOIN timescaledb_information.continuous_aggregates ca
                   ON ca.materialization_hypertable_schema = j.hypertable_schema
                  AND ca.materialization_hypertable_name = j.hypertable_name
            ORDER BY j.job_id
            """).decodedRows
        var jobs: [TimescaleJob] = []
        for row in rows {
            func text(_ i: Int) throws(StoreError) -> String? { try row.decodeIfPresent(String.self, at: i) }
            jobs.append(TimescaleJob(
                id: try row.decode(Int.self, at: 0), procedure: try row.decode(String.self, at: 1), target: try text(2),
                scheduleInterval: try text(3), scheduled: try row.decode(Bool.self, at: 4),
                lastRunStarted: try text(5), lastRunStatus: try text(6), lastSuccessfulFinish: try text(7),
                totalRuns: try row.decode(Int.self, at: 8), totalSuccesses: try row.decode(Int.self, at: 9),
                totalFailures: try row.decode(Int.self, at: 10), nextStart: try text(11), lastError: nil))
        }
        // job_errors is newer than the other views: without it, the section says so.
        guard try conn.execute("SELECT to_regclass('timescaledb_information.job_errors') IS NOT NULL").value(Bool.self) else {
            return (jobs, false)
        }
        let errors = try conn.execute("""
            SELECT DISTINCT ON (job_id) job_id, \(utc("coalesce(finish_time, start_time)")), sqlerrcode, err_message
            FROM timescaledb_information.job_errors
            WHERE job_id = ANY ($1::int[])
            ORDER BY job_id, start_time DESC NULLS LAST
            """, [PostgresArray.literal(jobs.map { String($0.id) })]).decodedRows
        for e in errors {
            let id = try e.decode(Int.self, at: 0)
            guard let i = jobs.firstIndex(where: { $0.id == id }) else { continue }
            let at = try e.decodeIfPresent(String.self, at: 1)
            let state = try e.decodeIfPresent(String.self, at: 2)
            let message = try e.decodeIfPresent(String.self, at: 3)
            jobs[i].lastError = (at ?? "?") + (state.map { " (\($0))" } ?? "") + ": \(message ?? "no message")"
        }
        return (jobs, true)
    }
}
