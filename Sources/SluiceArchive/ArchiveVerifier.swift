import Foundation
import Logging
import SluiceStore

/// Re-reads archive parts and checks them: the file against its manifest (size, SHA-256, LZ4
/// content checksum, rows, event times), the manifest against the catalog, and, while the rows
/// are still in the database, the part's row count against them. A part that fails loses its
/// `verified_at`, so retention will not drop its day.
public struct ArchiveVerifier: Sendable {
    public let directory: ArchiveDirectory
    let logger: Logger

    public init(configuration: ArchiveConfiguration, logger: Logger) {
        directory = ArchiveDirectory(root: configuration.directory)
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

    func verify(_ part: CatalogPart, on conn: PostgresConnection) throws -> Result {
        var result = Result(day: part.day, part: part.part, rows: part.manifest.rows,
                            checkedAgainst: part.droppedAt == nil ? "database" : "manifest")
        do {
            let manifestURL = directory.manifestFile(day: part.day, part: part.part)
            guard let data = FileManager.default.contents(atPath: manifestURL.path) else {
                throw ArchiveError.corrupt(path: manifestURL.path, reason: "the manifest file is missing")
            }
            guard let onDisk = try? SegmentManifest.decode(data), onDisk == part.manifest else {
                throw ArchiveError.corrupt(path: manifestURL.path, reason: "the manifest differs from the catalog's copy")
            }
            _ = try PartReader.verify(directory.dataFile(day: part.day, part: part.part), against: part.manifest)
            if part.droppedAt == nil {
                let inDatabase = try conn.execute("SELECT sluice_archived_part_rows($1::date, $2::int)", [part.day, String(part.part)])
                    .scalar().flatMap { Int($0) } ?? -1
                guard inDatabase == part.manifest.rows else {
                    throw ArchiveError.corrupt(path: manifestURL.path,
                                               reason: "\(part.manifest.rows) rows archived, \(inDatabase) in the database")
                }
            }
            try conn.execute("UPDATE sluice_archive_parts SET verified_at = now() WHERE day = $1::date AND part = $2::int",
                             [part.day, String(part.part)])
        } catch let error as ArchiveError {
            result.failure = error.description
            try conn.execute("UPDATE sluice_archive_parts SET verified_at = NULL WHERE day = $1::date AND part = $2::int",
                             [part.day, String(part.part)])
            logger.error("archive part failed verification", metadata: [
                "day": "\(part.day)", "part": "\(part.part)", "reason": "\(error)",
            ])
        }
        return result
    }
}
