import Foundation
import Logging
import SluiceStore

/// Loads archived parts back into `agent_events` through the writer's COPY path, reading only the
/// archive store (so it also restores into another database).
///
/// Idempotent: rows already present are skipped (`ON CONFLICT (id, "timestamp") DO NOTHING`), so
/// restoring twice stores nothing twice. Rows come back with their original `ingest_xid`: the
/// projections counted them when they first arrived and do not count them again; they count as
/// archived, so the archiver does not archive them again. Each file is verified before loading.
public struct ArchiveRestorer: Sendable {
    public let store: any ArchiveStore
    let batchRows: Int
    let logger: Logger

    public init(configuration: ArchiveConfiguration, logger: Logger) {
        store = configuration.store
        batchRows = configuration.restoreBatchRows
        self.logger = logger
    }

    /// The outcome for one part.
    public struct Result: Sendable {
        public var day: String
        public var part: Int
        /// Rows in the part, and rows that were not in the log (the others were already there).
        public var rows: Int
        public var inserted: Int
        public var seconds: Double
    }

    /// Restores every part whose day is within `[fromDay, toDay]` (`YYYY-MM-DD`, inclusive).
    public func restore(fromDay: String, toDay: String, on conn: PostgresConnection) throws -> [Result] {
        let parts = try store.storedManifests().filter { $0.segment >= fromDay && $0.segment <= toDay }
        guard !parts.isEmpty else {
            throw ArchiveError.notFound("no archived part between \(fromDay) and \(toDay) in \(store.location)")
        }
        return try parts.map { try restore($0, on: conn) }
    }

    func restore(_ manifest: SegmentManifest, on conn: PostgresConnection) throws -> Result {
        let started = ContinuousClock.now
        _ = try PartReader.verify(store, against: manifest)
        // Plain mode: give the day its partition again, so the rows do not land in the default one.
        try conn.execute("SELECT CASE WHEN sluice_mode() = 'plain' THEN sluice_create_day_partition($1::date) END", [manifest.segment])

        var batch = ArchivePayload.plainHeader
        var rowsInBatch = 0
        var inserted = 0
        func flush() throws {
            guard rowsInBatch > 0 else { return }
            batch += ArchivePayload.trailer
            inserted += try EventWriter.write(batch, columns: EventWriter.archiveColumns, on: conn).inserted
            batch = ArchivePayload.plainHeader
            rowsInBatch = 0
        }
        _ = try PartReader.read(store, day: manifest.segment, part: manifest.part) { row in
            batch.append(contentsOf: row)
            rowsInBatch += 1
            if rowsInBatch >= batchRows { try flush() }
        }
        try flush()
        try conn.execute("""
            UPDATE sluice_archive_parts SET dropped_at = NULL
             WHERE day = $1::date AND part = $2::int AND sha256 = $3
               AND (SELECT value FROM sluice_meta WHERE key = 'installation_id') = $4
            """, [manifest.segment, String(manifest.part), manifest.sha256, manifest.installation])
        let seconds = (ContinuousClock.now - started).seconds
        logger.info("restored", metadata: [
            "day": "\(manifest.segment)", "part": "\(manifest.part)", "rows": "\(manifest.rows)", "inserted": "\(inserted)",
        ])
        return Result(day: manifest.segment, part: manifest.part, rows: manifest.rows, inserted: inserted, seconds: seconds)
    }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
