import Foundation
import SluiceStore

/// A part as `sluice_archive_parts` records it.
public struct CatalogPart: Sendable {
    public var day: String
    public var part: Int
    public var manifest: SegmentManifest
    public var verifiedAt: String?
    public var droppedAt: String?
}

/// Reads `sluice_archive_parts`.
public enum ArchiveCatalog {
    /// The catalog's parts, optionally of one day, by day and part.
    public static func parts(day: String? = nil, on conn: PostgresConnection) throws -> [CatalogPart] {
        let result = try conn.execute("""
            SELECT day::text, part, manifest::text, verified_at::text, dropped_at::text
              FROM sluice_archive_parts WHERE $1::date IS NULL OR day = $1::date ORDER BY day, part
            """, [day])
        return try result.rows.map { r in
            guard let day = r[0], let part = r[1].flatMap({ Int($0) }), let text = r[2] else {
                throw StoreError.protocolViolation("sluice_archive_parts row")
            }
            return CatalogPart(day: day, part: part, manifest: try SegmentManifest.decode(Data(text.utf8)),
                               verifiedAt: r[3], droppedAt: r[4])
        }
    }
}
