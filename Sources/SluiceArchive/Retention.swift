import Foundation
import Logging
import SluiceStore

/// Drops the raw rows of days older than the retention horizon, only when they are archived and
/// verified: a day with rows not archived yet (late events) is archived first, every part of the
/// day is read back and checked, and the drop itself re-checks, under a lock that holds off
/// writers, that no row arrived since. Every decision is logged in `sluice_retention_log`.
/// Aggregates and sessions are projections and stay.
public struct Retention: Sendable {
    public let archiver: Archiver
    let verifier: ArchiveVerifier
    let logger: Logger

    public init(configuration: ArchiveConfiguration, logger: Logger) {
        archiver = Archiver(configuration: configuration, logger: logger)
        verifier = ArchiveVerifier(configuration: configuration, logger: logger)
        self.logger = logger
    }

    /// What happened to one day.
    public struct Decision: Sendable {
        public enum Action: String, Sendable { case dropped, skipped, wouldDrop = "would_drop" }
        public var day: String
        public var action: Action
        public var rows: Int
        public var reason: String?
    }

    /// Drops (or, with `dryRun`, lists) every day that ended `retentionDays` ago or more.
    public func run(now: Date = Date(), dryRun: Bool = false, on conn: PostgresConnection) throws -> [Decision] {
        try ArchiveLock.holding(on: conn) {
            let installation = try Archiver.installation(on: conn)
            try archiver.directory.claim(installation: installation)
            let cutoff = UTCDay.start(of: now, minusDays: archiver.configuration.retentionDays)
            let days = try conn.execute("SELECT d::text FROM sluice_event_days($1::timestamptz) d", [cutoff]).rows.compactMap { $0[0] }
            return try days.map { day in
                let decision = try decide(day: day, installation: installation, dryRun: dryRun, on: conn)
                try log(decision, on: conn)
                return decision
            }
        }
    }

    private func decide(day: String, installation: String, dryRun: Bool, on conn: PostgresConnection) throws -> Decision {
        let pending = try count("SELECT sluice_archive_pending($1::date)", day, conn)
        let rows = try count("""
            SELECT count(*) FROM agent_events
             WHERE "timestamp" >= sluice_day_start($1::date) AND "timestamp" < sluice_day_start($1::date + 1)
            """, day, conn)
        if dryRun {
            let parts = try ArchiveCatalog.parts(day: day, on: conn)
            if parts.contains(where: { $0.verifiedAt == nil }) {
                return Decision(day: day, action: .skipped, rows: rows, reason: "an archive part is not verified")
            }
            return Decision(day: day, action: .wouldDrop, rows: rows,
                            reason: pending > 0 ? "after archiving \(pending) rows not archived yet" : nil)
        }
        if pending > 0 {
            do {
                _ = try archiver.archive(day: day, installation: installation, on: conn)
            } catch {
                return Decision(day: day, action: .skipped, rows: rows, reason: "\(pending) rows are not archived, and archiving them failed: \(error)")
            }
        }
        for part in try ArchiveCatalog.parts(day: day, on: conn) {
            let result = try verifier.verify(part, on: conn)
            if let failure = result.failure {
                return Decision(day: day, action: .skipped, rows: rows, reason: "part \(part.part) failed verification: \(failure)")
            }
        }
        archiver.crash.reach("before-drop")
        switch Self.drop(day: day, on: conn) {
        case .success(let dropped):
            logger.info("retention dropped a day", metadata: ["day": "\(day)", "rows": "\(dropped)"])
            return Decision(day: day, action: .dropped, rows: dropped, reason: nil)
        case .failure(.server(let state, let message, _)) where state == "P0001" || state == "55P03":
            // Not fully archived after all (a late event), or the lock was not granted in time.
            return Decision(day: day, action: .skipped, rows: rows, reason: message)
        case .failure(let error):
            throw error
        }
    }

    private static func drop(day: String, on conn: PostgresConnection) -> Result<Int, StoreError> {
        do {
            try conn.execute("BEGIN")
            try conn.execute("SET LOCAL lock_timeout = '30s'")
            let n = try conn.execute("SELECT sluice_drop_archived_day($1::date)", [day]).scalar().flatMap { Int($0) } ?? 0
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
        try conn.execute(sql, [day]).scalar().flatMap { Int($0) } ?? 0
    }
}
