import Crypto

/// The key digest of a set of rows (``SegmentManifest/keyDigest``): the sum modulo 2^64 of each
/// row's key hash, the first 8 bytes (big-endian) of MD5(`id` ‖ `timestamp`) over the 16 and 8
/// bytes binary COPY holds for them. Order-independent, so the archiver (rows as PostgreSQL sends
/// them), the reader (rows of a file) and `sluice_archived_part_digest()` in SQL (rows in the
/// database) compute the same value for the same rows. A missing row and a duplicate of another
/// change it unless two keys' hashes collide.
struct KeyDigest: Sendable, Equatable {
    private(set) var sum: UInt64 = 0

    /// Adds one row of an `agent_events` binary COPY stream (field count first; `id` and
    /// `timestamp` are its first two fields and never NULL).
    mutating func add(row: UnsafeRawBufferPointer) throws {
        guard row.count >= 34, Self.int32(row, 2) == 16, Self.int32(row, 22) == 8 else {
            throw CopyStreamError("a row's id or timestamp is not a 16-byte uuid and an 8-byte timestamptz")
        }
        var key = (UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &key) { k in
            k.copyMemory(from: UnsafeRawBufferPointer(rebasing: row[6..<22]))
            UnsafeMutableRawBufferPointer(rebasing: k[16..<24]).copyMemory(from: UnsafeRawBufferPointer(rebasing: row[26..<34]))
        }
        var md5 = Insecure.MD5()
        withUnsafeBytes(of: &key) { md5.update(bufferPointer: $0) }
        let hash = md5.finalize()
        let head = hash.withUnsafeBytes { d in (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(d[$1]) } }
        sum &+= head
    }

    /// The digest as the manifest and the catalog write it.
    var text: String { String(sum) }

    private static func int32(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int32 {
        Int32(bitPattern: UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3]))
    }
}
