import Foundation
import SluiceStore

/// How each part of the projector is doing, from `projector_positions` and the log: what
/// `GET /v1/status` and `sluice doctor` show.
public struct PartStatus: Sendable, Equatable, Codable {
    public var part: String
    /// The part's position: every event stored by a transaction below it is folded (or set aside).
    public var position: String
    /// Events stored at or above the position: not folded yet (counted up to ``eventsBehindLimit``).
    public var eventsBehind: Int
    /// Seconds since the part was last caught up, while events are behind it (an upper bound of the
    /// age of the oldest event not folded yet); 0 when none is; nil before its first step.
    public var lagSeconds: Double?
    public var steppedAt: String?
    public var caughtUpAt: String?
    /// How long its last step took.
    public var stepSeconds: Double?
    /// Steps that failed since the last one that succeeded.
    public var failures: Int
    public var lastError: String?
    public var lastErrorAt: String?
    /// Events set aside because its fold could not take them (`sluice projections failures`).
    public var deadLetters: Int
    /// TimescaleDB mode, `aggregates` part: UTC days of late events folded but whose continuous
    /// aggregates are not refreshed yet (`sluice_late_day_refreshes`); until then the aggregates
    /// miss them. 0 otherwise.
    public var refreshDaysPending: Int = 0

    /// Events behind are counted up to this many.
    public static let eventsBehindLimit = 10_000_000

    /// The status of every part. Blocking.
    public static func all(on conn: PostgresConnection) throws(StoreError) -> [PartStatus] {
        var parts = try positions(on: conn)
        // The table exists in TimescaleDB mode only (timescale/0008_late_day_refreshes.sql).
        if try conn.execute("SELECT to_regclass('sluice_late_day_refreshes') IS NOT NULL").value(Bool.self),
           let i = parts.firstIndex(where: { $0.part == Projector.Part.aggregates.rawValue }) {
            parts[i].refreshDaysPending = try conn.execute("SELECT count(*) FROM sluice_late_day_refreshes").value(Int.self)
        }
        return parts
    }

    private static func positions(on conn: PostgresConnection) throws(StoreError) -> [PartStatus] {
        try conn.execute("""
            SELECT parts.part, coalesce(p.horizon, '0')::text,
                   (SELECT count(*) FROM (SELECT 1 FROM agent_events e WHERE e.ingest_xid >= coalesce(p.horizon, '0')
                                          LIMIT $1::int) behind),
                   extract(epoch FROM now() - p.caught_up_at)::float8,
                   p.stepped_at::text, p.caught_up_at::text, p.step_seconds, coalesce(p.failures, 0), p.last_error, p.last_error_at::text,
                   (SELECT count(*) FROM projector_dead_letters d WHERE d.projector = parts.part)
            FROM unnest($2::text[]) WITH ORDINALITY AS parts (part, n)
            LEFT JOIN projector_positions p ON p.projector = parts.part
            ORDER BY parts.n
            """, [String(eventsBehindLimit), PostgresArray.literal(Projector.Part.allCases.map(\.rawValue))]).decodedRows.map { r throws(StoreError) in
            func text(_ i: Int) throws(StoreError) -> String? { try r.decodeIfPresent(String.self, at: i) }
            let behind = try r.decode(Int.self, at: 2)
            let since = try r.decodeIfPresent(Double.self, at: 3)
            return PartStatus(part: try r.decode(String.self, at: 0), position: try r.decode(String.self, at: 1), eventsBehind: behind,
                              lagSeconds: behind == 0 ? 0 : since, steppedAt: try text(4), caughtUpAt: try text(5),
                              stepSeconds: try r.decodeIfPresent(Double.self, at: 6), failures: try r.decode(Int.self, at: 7),
                              lastError: try text(8), lastErrorAt: try text(9), deadLetters: try r.decode(Int.self, at: 10))
        }
    }
}

extension PartStatus {
    /// One line for `sluice doctor`.
    public var doctorLine: String {
        let name = (part + ":").padding(toLength: 17, withPad: " ", startingAt: 0)
        var line = "\(name)position \(position), \(eventsBehind) events behind"
        if let lag = lagSeconds, eventsBehind > 0 { line += String(format: " (lag ≤ %.1f s)", lag) }
        if let s = stepSeconds { line += String(format: ", last step %.3f s", s) }
        if failures > 0 { line += ", \(failures) failed steps (last: \(lastError ?? "?"))" }
        if deadLetters > 0 { line += ", \(deadLetters) dead letters (`sluice projections failures`)" }
        if refreshDaysPending > 0 { line += ", \(refreshDaysPending) late days to refresh in the continuous aggregates" }
        return line
    }
}
