import Foundation
import SluiceStore

/// Where archive and retention stand, read from the catalog and the retention log, whichever
/// process ran them (`serve`'s schedule or `sluice archive` from cron). Cheap enough for every
/// metrics scrape: catalog aggregates and one index probe per stored day.
public struct ArchiveStatus: Sendable, Equatable {
    /// Parts in the catalog, and the bytes of their files.
    public var parts: Int
    public var bytes: Int64
    /// When the newest part was written, in seconds since 1970; nil before the first.
    public var lastPartAt: Double?
    /// When retention last decided about a day, in seconds since 1970; nil before its first run.
    public var lastRetentionRunAt: Double?
    /// Days the retention log records as dropped.
    public var daysDropped: Int
    /// Days that are due for the archive (ended `archiveAfterDays` ago or more) and hold events but
    /// no archive part; nil when the archive's configuration is not known to the reader.
    public var archiveDaysBehind: Int?
    /// Days older than the retention window that are still stored; nil when not known.
    public var retentionDaysBehind: Int?

    public init(parts: Int, bytes: Int64, lastPartAt: Double?, lastRetentionRunAt: Double?, daysDropped: Int,
                archiveDaysBehind: Int? = nil, retentionDaysBehind: Int? = nil) {
        self.parts = parts
        self.bytes = bytes
        self.lastPartAt = lastPartAt
        self.lastRetentionRunAt = lastRetentionRunAt
        self.daysDropped = daysDropped
        self.archiveDaysBehind = archiveDaysBehind
        self.retentionDaysBehind = retentionDaysBehind
    }

    /// Reads the status; with `configuration`, also how many days archive and retention are behind.
    public static func read(configuration: ArchiveConfiguration?, now: Date = Date(), on conn: PostgresConnection) throws(StoreError) -> ArchiveStatus {
        func row(_ sql: String, _ parameters: [String?] = []) throws(StoreError) -> Row {
            try conn.execute(sql, parameters).requireRow()
        }
        let catalog = try row("""
            SELECT count(*), coalesce(sum(file_bytes), 0), extract(epoch FROM max(archived_at))
              FROM sluice_archive_parts
            """)
        let log = try row("""
            SELECT extract(epoch FROM max(run_at)), count(*) FILTER (WHERE action = 'dropped')
              FROM sluice_retention_log
            """)
        var status = ArchiveStatus(
            parts: try catalog.decode(Int.self, at: 0), bytes: try catalog.decode(Int64.self, at: 1),
            lastPartAt: try catalog.decodeIfPresent(Double.self, at: 2),
            lastRetentionRunAt: try log.decodeIfPresent(Double.self, at: 0), daysDropped: try log.decode(Int.self, at: 1))
        if let configuration {
            let due = UTCDay.start(of: now, minusDays: configuration.archiveAfterDays)
            status.archiveDaysBehind = try row("""
                SELECT count(*) FROM sluice_event_days($1::timestamptz) d
                 WHERE NOT EXISTS (SELECT 1 FROM sluice_archive_parts p WHERE p.day = d)
                """, [due]).decode(Int.self, at: 0)
            let cutoff = UTCDay.start(of: now, minusDays: configuration.retentionDays)
            status.retentionDaysBehind = try row("SELECT count(*) FROM sluice_event_days($1::timestamptz)", [cutoff]).decode(Int.self, at: 0)
        }
        return status
    }
}
