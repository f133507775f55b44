import Foundation
import Logging
import Metrics
import SluiceStore

/// Drops the raw rows of days older than the retention horizon, only when they are archived and
/// verified: a day with rows not archived yet (late events) is archived first, every part of the
/// day is read back and checked, and the drop itself re-checks, under a lock that holds off
/// writers, that no row arrived since. A day with rows the projector has not folded yet waits for
/// a later run. In TimescaleDB mode a day is dropped only once every
/// continuous aggregate holds it (refreshed over the day first if need be) and no refresh policy
/// reaches it; a day dropped before that received late events has its archived parts restored
/// first, so that a refresh over the whole day folds the late events in without erasing what the
/// dropped rows gave. Every decision is logged in `sluice_retention_log`. Aggregates and sessions
/// are projections and stay.
public struct Retention: Sendable {
    public let archiver: Archiver
    let verifier: ArchiveVerifier
    let restorer: ArchiveRestorer
    let logger: Logger

    public init(configuration: ArchiveConfiguration, logger: Logger) {
        archiver = Archiver(configuration: configuration, logger: logger)
        verifier = ArchiveVerifier(configuration: configuration, logger: logger)
        restorer = ArchiveRestorer(configuration: configuration, logger: logger)
        self.logger = logger
    }

    /// What happened to one day.
    public struct Decision: Sendable {
        public enum Action: String, Sendable { case dropped, skipped, wouldDrop = "would_drop" }
        public var day: String
        public var action: Action
        public var rows: Int
        public var reason: String?
        /// Why a due day was kept, as a short code (the metrics' `reason` label); nil unless skipped.
        public var refusal: Refusal?
    }

    /// Why retention kept a day that was due.
    public enum Refusal: String, Sendable, CaseIterable {
        case archiveFailed = "archive_failed"
        case verificationFailed = "verification_failed"
        case notProjected = "not_projected"
        case aggregatesPolicy = "aggregates_policy"
        case aggregatesRefreshFailed = "aggregates_refresh_failed"
        case aggregatesStale = "aggregates_stale"
        case dropRefused = "drop_refused"
        case restoreFailed = "restore_failed"
    }

    /// Drops (or, with `dryRun`, says what a real run would do with) every day that ended
    /// `retentionDays` ago or more. A dry run changes nothing but `sluice_retention_log`, where
    /// it records `would_drop` and `skipped` decisions.
    public func run(now: Date = Date(), dryRun: Bool = false, on conn: PostgresConnection) throws -> [Decision] {
        try ArchiveLock.holding(on: conn) {
            let installation = try Archiver.installation(on: conn)
            try archiver.store.claim(installation: installation)
            let cutoff = UTCDay.start(of: now, minusDays: archiver.configuration.retentionDays)
            let days = try conn.execute("SELECT d::text FROM sluice_event_days($1::timestamptz) d", [cutoff]).column(String.self)
            return try days.map { day in
                let decision = try decide(day: day, installation: installation, dryRun: dryRun, on: conn)
                try log(decision, on: conn)
                if !dryRun { Self.count(decision) }
                return decision
            }
        }
    }

    /// What a real run does with `day`, in order: in TimescaleDB mode restore the parts of a day
    /// dropped before that has rows again (late events), archive its pending rows as another part, verify
    /// every part from its files, in TimescaleDB mode check the refresh policies and that the
    /// continuous aggregates hold the day (refreshing those that do not, then checking again), and
    /// drop. A dry run takes the same steps read-only: it verifies without recording, and says
    /// which rows it would archive and which aggregates it would refresh first.
    private func decide(day: String, installation: String, dryRun: Bool, on conn: PostgresConnection) throws -> Decision {
        let pending = try count("SELECT sluice_archive_pending($1::date)", day, conn)
        let rows = try count("""
            SELECT count(*) FROM agent_events
             WHERE "timestamp" >= sluice_day_start($1::date) AND "timestamp" < sluice_day_start($1::date + 1)
            """, day, conn)
        func skip(_ refusal: Refusal, _ reason: String) -> Decision {
            Decision(day: day, action: .skipped, rows: rows, reason: reason, refusal: refusal)
        }
        var first: [String] = []
        // Late rows of a day dropped before: plain mode's projector folded them as they came, but
        // TimescaleDB's continuous aggregates take them only through a refresh over the whole day.
        let timescale = try conn.execute("SELECT sluice_mode()").value(DatabaseMode.self) == .timescale
        let dropped = rows > 0 && timescale ? try ArchiveCatalog.parts(day: day, on: conn).filter { $0.droppedAt != nil } : []
        if !dropped.isEmpty {
            if dryRun {
                first.append("restoring \(dropped.count) dropped parts (\(dropped.map(\.manifest.rows).reduce(0, +)) rows), "
                    + "so that the continuous aggregates can take its \(rows) late rows")
            } else {
                do {
                    for part in dropped { _ = try restorer.restore(part.manifest, on: conn) }
                } catch {
                    return skip(.restoreFailed, "the day was dropped before and has \(rows) rows again (late events), "
                        + "which the continuous aggregates take only with the dropped rows back, and restoring them failed: \(error)")
                }
                logger.info("restored a dropped day for its late events", metadata: ["day": "\(day)", "late": "\(rows)", "parts": "\(dropped.count)"])
            }
        }
        if pending > 0 {
            if dryRun {
                let part = try count("SELECT coalesce(max(part), 0) + 1 FROM sluice_archive_parts WHERE day = $1::date", day, conn)
                first.append("archiving \(pending) rows not archived yet as part \(part)")
            } else {
                do {
                    _ = try archiver.archive(day: day, installation: installation, on: conn)
                } catch {
                    return skip(.archiveFailed, "\(pending) rows are not archived, and archiving them failed: \(error)")
                }
            }
        }
        for part in try ArchiveCatalog.parts(day: day, on: conn) {
            let result = try verifier.verify(part, record: !dryRun, on: conn)
            if let failure = result.failure { return skip(.verificationFailed, "part \(part.part) failed verification: \(failure)") }
        }
        // The projections are the only copy of what was folded from a dropped day: every row must
        // be in them first. A row stored after this check is not archived, and the drop refuses it.
        let unprojected = try count("""
            SELECT count(*) FROM agent_events
             WHERE "timestamp" >= sluice_day_start($1::date) AND "timestamp" < sluice_day_start($1::date + 1)
               AND ingest_xid >= sluice_projected_horizon()
            """, day, conn)
        if unprojected > 0 {
            return skip(.notProjected, "\(unprojected) rows are not in the projections yet; a later run drops the day once the projector has folded them")
        }
        if let refusal = try DayAggregates.refusal(day: day, beforeRestoring: dryRun && !dropped.isEmpty, on: conn) {
            return skip(.aggregatesPolicy, refusal)
        }
        let stale = try DayAggregates.stale(day: day, on: conn)
        if !stale.isEmpty {
            if dryRun {
                first.append("refreshing \(stale.map { $0.aggregate }.joined(separator: ", ")) over the day, which do not hold it yet")
            } else {
                let still: [DayAggregates.Stale]
                do {
                    still = try DayAggregates.refreshStale(stale, day: day, on: conn)
                } catch let failure as DayAggregates.RefreshFailure {
                    return skip(.aggregatesRefreshFailed, failure.description)
                }
                if !still.isEmpty {
                    return skip(.aggregatesStale, "the continuous aggregates do not hold the day even after a refresh: "
                        + still.map { $0.description }.joined(separator: ", "))
                }
                logger.info("refreshed continuous aggregates before the drop", metadata: [
                    "day": "\(day)", "aggregates": "\(stale.map { $0.aggregate }.joined(separator: ","))",
                ])
            }
        }
        if dryRun {
            return Decision(day: day, action: .wouldDrop, rows: rows,
                            reason: first.isEmpty ? nil : "after " + first.joined(separator: ", and "))
        }
        archiver.crash.reach("before-drop")
        switch Self.drop(day: day, on: conn) {
        case .success(let dropped):
            logger.info("retention dropped a day", metadata: ["day": "\(day)", "rows": "\(dropped)"])
            return Decision(day: day, action: .dropped, rows: dropped, reason: nil)
        case .failure(.server(let state, let message, _)) where state == "P0001" || state == "55P03":
            // Not fully archived after all (a late event), or the lock was not granted in time.
            return skip(.dropRefused, message)
        case .failure(let error):
            throw error
        }
    }

    /// Counts a real run's refusals in the process's metrics (drops are counted from the retention log).
    private static func count(_ decision: Decision) {
        switch decision.action {
        case .skipped:
            Counter(label: "sluice_retention_day_refusals_total", dimensions: [("reason", decision.refusal?.rawValue ?? "other")]).increment()
        case .dropped, .wouldDrop: break
        }
    }

    private static func drop(day: String, on conn: PostgresConnection) -> Result<Int, StoreError> {
        do {
            try conn.execute("BEGIN")
            try conn.execute("SET LOCAL lock_timeout = '30s'")
            let n = try conn.execute("SELECT sluice_drop_archived_day($1::date)", [day]).value(Int.self)
            try conn.execute("COMMIT")
            return .success(n)
        } catch {
            if conn.isHealthy { _ = try? conn.execute("ROLLBACK") }
            return .failure(error)
        }
    }

    private func log(_ d: Decision, on conn: PostgresConnection) throws {
        try conn.execute("""
            INSERT INTO sluice_retention_log (day, action, rows, reason, manifests)
            SELECT $1::date, $2, $3::bigint, $4, coalesce(jsonb_agg(manifest ORDER BY part), '[]')
              FROM sluice_archive_parts WHERE day = $1::date
            """, [d.day, d.action.rawValue, String(d.rows), d.reason])
    }

    private func count(_ sql: String, _ day: String, _ conn: PostgresConnection) throws -> Int {
        try conn.execute(sql, [day]).value(Int.self)
    }
}
