import Foundation
import SluiceArchive
import SluiceCore
import SluiceProjections
import SluiceStore

/// The series `GET /metrics` reads at scrape time, and their text format. A value type: the
/// exposition is tested without a database.
struct ScrapeSeries: Sendable {
    var mode: DatabaseMode
    /// Each projector part's state; nil when the database did not answer this scrape.
    var parts: [PartStatus]?
    var database: Database?
    var archive: ArchiveStatus?
    var pools: [(name: String, usage: ConnectionPool.Usage)] = []

    init(mode: DatabaseMode) { self.mode = mode }

    /// The server's versions, for `sluice_build_info`.
    struct Database: Sendable, Equatable {
        var postgresql: String
        var timescaledb: String?

        static func read(on conn: PostgresConnection) throws(StoreError) -> Database {
            let row = try conn.execute("""
                SELECT current_setting('server_version'), (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb')
                """).requireRow()
            let version = try row.decode(String.self, at: 0)
            return Database(postgresql: String(version.prefix { $0 != " " }), timescaledb: try row.decodeIfPresent(String.self, at: 1))
        }
    }

    func exposition() -> String {
        var out = ""
        func family(_ name: String, _ type: String = "gauge", help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples { out += "\(name)\(labels) \(Self.format(value))\n" }
        }
        func perPart(_ value: (PartStatus) -> Double?) -> [(String, Double)] {
            (parts ?? []).compactMap { p in value(p).map { ("{part=\"\(p.part)\"}", $0) } }
        }
        func one(_ value: Double?) -> [(String, Double)] { value.map { [("", $0)] } ?? [] }

        family("sluice_up", help: "1 when the database answered this scrape, 0 when it did not.", [("", parts == nil ? 0 : 1)])
        family("sluice_projector_lag_seconds", help: "Seconds since the part was last caught up while events are behind it; 0 when none is.",
               perPart { $0.lagSeconds })
        family("sluice_projector_events_behind", help: "Events stored at or above the part's position, not folded yet (counted up to \(PartStatus.eventsBehindLimit)).",
               perPart { Double($0.eventsBehind) })
        family("sluice_projector_step_seconds", help: "Duration of the part's last step.", perPart { $0.stepSeconds })
        family("sluice_projector_failures", help: "Steps of the part that failed since its last successful one.", perPart { Double($0.failures) })
        family("sluice_projector_dead_letters", help: "Events the part set aside because its fold could not take them (sluice projections failures).",
               perPart { Double($0.deadLetters) })
        family("sluice_projector_late_refreshes_pending", help: "TimescaleDB mode: UTC days of late events whose continuous aggregates are not refreshed yet.",
               perPart { $0.part == Projector.Part.aggregates.rawValue ? Double($0.refreshDaysPending) : nil })

        if let a = archive {
            family("sluice_archive_parts", help: "Parts in the archive catalog.", one(Double(a.parts)))
            family("sluice_archive_bytes", help: "Bytes of the archive catalog's part files.", one(Double(a.bytes)))
            family("sluice_archive_last_part_timestamp_seconds", help: "When the newest archive part was written (by any process).",
                   one(a.lastPartAt))
            family("sluice_archive_day_backlog", help: "Days due for the archive that hold events but no archive part (known when serve runs the schedule).",
                   one(a.archiveDaysBehind.map(Double.init)))
            family("sluice_retention_last_run_timestamp_seconds", help: "When retention last decided about a day (by any process).",
                   one(a.lastRetentionRunAt))
            family("sluice_retention_drops_total", "counter", help: "Days the retention log records as dropped (by any process).",
                   one(Double(a.daysDropped)))
            family("sluice_retention_day_backlog", help: "Days older than the retention window still stored (known when serve runs the schedule).",
                   one(a.retentionDaysBehind.map(Double.init)))
        }

        family("sluice_db_pool_connections", help: "Database connections in each of this process's pools.",
               pools.map { ("{pool=\"\($0.name)\"}", Double($0.usage.size)) })
        family("sluice_db_pool_in_use", help: "Connections of each pool lent out now.",
               pools.map { ("{pool=\"\($0.name)\"}", Double($0.usage.inUse)) })
        family("sluice_db_pool_waiting", help: "Callers waiting for a connection of each pool now.",
               pools.map { ("{pool=\"\($0.name)\"}", Double($0.usage.waiting)) })

        var build = "version=\"\(sluiceVersion)\",mode=\"\(mode.rawValue)\""
        if let database {
            build += ",postgresql=\"\(Self.escape(database.postgresql))\",timescaledb=\"\(Self.escape(database.timescaledb ?? ""))\""
        }
        family("sluice_build_info", help: "The Sluice version, database mode, and the PostgreSQL and TimescaleDB versions (empty: not installed).",
               [("{\(build)}", 1)])
        return out
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// A label value in the text format: backslash, double quote and newline escaped.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
