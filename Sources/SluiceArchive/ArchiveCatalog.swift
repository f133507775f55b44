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
        return try result.decodedRows.map { r in
            CatalogPart(day: try r.decode(String.self, at: 0), part: try r.decode(Int.self, at: 1),
                        manifest: try SegmentManifest.decode(Data(try r.decode(String.self, at: 2).utf8)),
                        verifiedAt: try r.decodeIfPresent(String.self, at: 3), droppedAt: try r.decodeIfPresent(String.self, at: 4))
        }
    }
}
