import Foundation
import Logging
import Metrics
import SluiceStore

/// Re-reads archive parts and checks them: the file against its manifest (size, SHA-256, LZ4
/// content checksum, rows, key digest, event times), the manifest against the catalog, and, while
/// the rows are still in the database, the part's row count and key digest against them (row
/// count only for version 1 manifests, which have no digest). A part that fails loses its
/// `verified_at`, so retention will not drop its day.
public struct ArchiveVerifier: Sendable {
    public let store: any ArchiveStore
    let logger: Logger

    public init(configuration: ArchiveConfiguration, logger: Logger) {
        store = configuration.store
        self.logger = logger
    }

    /// The outcome for one part.
    public struct Result: Sendable {
        public var day: String
        public var part: Int
        public var rows: Int
        /// What the rows were checked against: `database` or `manifest` (after they were dropped).
        public var checkedAgainst: String
        /// Nil when the part is sound.
        public var failure: String?
    }

    /// Verifies every part in the catalog, or those of `day`.
    public func verify(day: String? = nil, on conn: PostgresConnection) throws -> [Result] {
        try ArchiveCatalog.parts(day: day, on: conn).map { try verify($0, on: conn) }
    }

    /// Verifies one part; with `record` false (a dry run) leaves `verified_at` as it is.
    func verify(_ part: CatalogPart, record: Bool = true, on conn: PostgresConnection) throws -> Result {
        var result = Result(day: part.day, part: part.part, rows: part.manifest.rows,
                            checkedAgainst: part.droppedAt == nil ? "database" : "manifest")
        do {
            let manifestPath = store.manifestLocation(day: part.day, part: part.part)
            guard let data = try store.manifestData(day: part.day, part: part.part) else {
                throw ArchiveError.corrupt(path: manifestPath, reason: "the manifest file is missing")
            }
            guard let onDisk = try? SegmentManifest.decode(data), onDisk == part.manifest else {
                throw ArchiveError.corrupt(path: manifestPath, reason: "the manifest differs from the catalog's copy")
            }
            _ = try PartReader.verify(store, against: part.manifest)
            if part.droppedAt == nil {
                let row = try conn.execute("SELECT rows, digest FROM sluice_archived_part_digest($1::date, $2::int)",
                                           [part.day, String(part.part)]).requireRow()
                let inDatabase = try row.decode(Int.self, at: 0)
                guard inDatabase == part.manifest.rows else {
                    throw ArchiveError.corrupt(path: manifestPath,
                                               reason: "\(part.manifest.rows) rows archived, \(inDatabase) in the database")
                }
                if let expected = part.manifest.keyDigest, let found = try row.decodeIfPresent(String.self, at: 1), found != expected {
                    throw ArchiveError.corrupt(path: manifestPath, reason: "the archived rows' key digest is \(expected), "
                        + "the database's rows' \(found): the same number of rows, but not the same rows")
                }
            }
            if record {
                try conn.execute("UPDATE sluice_archive_parts SET verified_at = now() WHERE day = $1::date AND part = $2::int",
                                 [part.day, String(part.part)])
            }
        } catch let error as ArchiveError {
            result.failure = error.description
            Counter(label: "sluice_archive_verify_failures_total").increment()
            if record {
                try conn.execute("UPDATE sluice_archive_parts SET verified_at = NULL WHERE day = $1::date AND part = $2::int",
                                 [part.day, String(part.part)])
            }
            logger.error("archive part failed verification", metadata: [
                "day": "\(part.day)", "part": "\(part.part)", "reason": "\(error)",
            ])
        }
        return result
    }
}
