import Foundation

/// What an archive part holds, written beside its data file as `part-NNNN.manifest.json` and kept
/// in `sluice_archive_parts.manifest`. Enough to verify and restore the part without the database.
///
/// Versions: 1 had no `keyDigest` (its parts are checked by row count only); 2 adds it. A reader
/// takes every version up to ``currentVersion``.
public struct SegmentManifest: Codable, Sendable, Equatable {
    /// The version this build writes, and the newest it reads.
    public static let currentVersion = 2

    public var format = "sluice-archive-manifest"
    public var version = SegmentManifest.currentVersion
    /// The UTC day, `YYYY-MM-DD`.
    public var segment: String
    public var part: Int
    public var table = "agent_events"
    /// The segment's time range, `[from, to)`, RFC 3339.
    public var from: String
    public var to: String
    public var rows: Int
    /// Smallest and largest event time in the part, RFC 3339 (nil when empty).
    public var minEventTime: String?
    public var maxEventTime: String?
    /// Bytes of the binary COPY payload, and of the LZ4 file.
    public var payloadBytes: Int
    public var fileBytes: Int
    /// The data file's name, relative to the manifest.
    public var file: String
    public var compression: Compression
    /// SHA-256 of the whole data file, lowercase hex.
    public var sha256: String
    /// The sum modulo 2^64, in decimal, of every row's key hash: the first 8 bytes (big-endian) of
    /// the MD5 of the row's `id` and `timestamp` fields as binary COPY holds them (16 + 8 bytes);
    /// `sluice_key_hash()` in SQL. Unlike a row count, a missing row plus a duplicate changes it.
    /// Nil in version 1 manifests.
    public var keyDigest: String?
    /// The snapshot whose visible rows (minus the previous part's) make up this part.
    public var snapshot: String
    public var payloadFormat = ArchivePayload.format
    public var payloadVersion = ArchivePayload.version
    /// The newest plain migration (`migrations/…`) applied to the database that wrote it, in both
    /// modes (`sluice_schema_version()`).
    public var schemaVersion: String
    public var sluiceVersion: String
    /// The `installation_id` of the database that wrote it.
    public var installation: String
    public var archivedAt: String

    public struct Compression: Codable, Sendable, Equatable {
        public var format = "lz4-frame"
        public var level: String
        public var blockSize = "4MiB"
        public var blockMode = "linked"
        /// The frame's content checksum (XXH32 of the payload, as stored in the frame), hex.
        public var contentChecksum: String
    }

    public var ratio: Double { fileBytes > 0 ? Double(payloadBytes) / Double(fileBytes) : 0 }

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    public static func decode(_ data: Data) throws -> SegmentManifest {
        try JSONDecoder().decode(SegmentManifest.self, from: data)
    }
}
