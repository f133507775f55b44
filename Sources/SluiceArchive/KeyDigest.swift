/// The key digest of a set of rows (``SegmentManifest/keyDigest``): the sum modulo 2^64 of each
/// row's key hash, the first 8 bytes (big-endian) of MD5(`id` ‖ `timestamp`) over the 16 and 8
/// bytes binary COPY holds for them (`sluice_key_hash()` in SQL). Order-independent, so the
/// archiver (rows as PostgreSQL sends them), the reader (rows of a file) and
/// `sluice_archived_part_digest()` (rows in the database) compute the same value for the same
/// rows. A missing row and a duplicate of another change it unless two keys' hashes collide.
///
/// MD5 of the 24-byte key is one 64-byte block, computed here without allocating (swift-crypto's
/// hasher allocates a context per row, which cost more than the rest of the digest).
struct KeyDigest: Sendable, Equatable {
    private(set) var sum: UInt64 = 0

    /// Adds one row of an `agent_events` binary COPY stream (field count first; `id` and
    /// `timestamp` are its first two fields and never NULL).
    mutating func add(row: UnsafeRawBufferPointer) throws {
        guard row.count >= 34, Self.bigEndian32(row, 2) == 16, Self.bigEndian32(row, 22) == 8 else {
            throw CopyStreamError("a row's id or timestamp is not a 16-byte uuid and an 8-byte timestamptz")
        }
        // The block's words, little-endian: the 16 id bytes, the 8 timestamp bytes, the 0x80 pad
        // byte, zeros, and the message length in bits (192).
        let (a, b) = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { m in
            m.initialize(repeating: 0)
            for w in 0..<4 { m[w] = Self.littleEndian32(row, 6 + 4 * w) }
            m[4] = Self.littleEndian32(row, 26)
            m[5] = Self.littleEndian32(row, 30)
            m[6] = 0x80
            m[14] = 192
            return Self.md5Head(UnsafeBufferPointer(m))
        }
        sum &+= UInt64(a.byteSwapped) << 32 | UInt64(b.byteSwapped)
    }

    /// The digest as the manifest and the catalog write it.
    var text: String { String(sum) }

    /// The first two words (A, B) of MD5's state after one block (RFC 1321).
    static func md5Head(_ m: UnsafeBufferPointer<UInt32>) -> (UInt32, UInt32) {
        var a: UInt32 = 0x6745_2301, b: UInt32 = 0xefcd_ab89, c: UInt32 = 0x98ba_dcfe, d: UInt32 = 0x1032_5476
        for i in 0..<64 {
            var f: UInt32
            let g: Int
            switch i {
            case 0..<16: f = (b & c) | (~b & d); g = i
            case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) & 15
            case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) & 15
            default: f = c ^ (b | ~d); g = (7 * i) & 15
            }
            f = f &+ a &+ k[i] &+ m[g]
            a = d
            d = c
            c = b
            b = b &+ (f << s[i] | f >> (32 - s[i]))
        }
        return (0x6745_2301 &+ a, 0xefcd_ab89 &+ b)
    }

    private static let s: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    /// floor(|sin(i + 1)| · 2^32).
    private static let k: [UInt32] = [
        0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee, 0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
        0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be, 0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
        0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa, 0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
        0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed, 0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
        0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c, 0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
        0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05, 0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
        0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039, 0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
        0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1, 0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
    ]

    private static func bigEndian32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    private static func littleEndian32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
