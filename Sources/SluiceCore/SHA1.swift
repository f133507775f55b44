/// SHA-1 (FIPS 180-4), for name-based UUIDs (RFC 9562 version 5) only: not for security.
///
/// Foundation on Linux has no SHA-1, and a dependency for 60 lines is not worth it.
public enum SHA1 {
    /// The 20-byte digest of `bytes`.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        let message = Array(bytes)
        return message.withUnsafeBytes { digest($0) }
    }

    /// The 20-byte digest of the bytes in `p`.
    public static func digest(_ p: UnsafeRawBufferPointer) -> [UInt8] {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        let n = p.count
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            var offset = 0
            while offset + 64 <= n {
                compress(&h, UnsafeRawBufferPointer(rebasing: p[offset..<(offset + 64)]), w)
                offset += 64
            }
            // The tail, 0x80, zeros and the bit length, in one or two blocks.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
                let rest = n - offset
                for i in 0..<rest { tail[i] = p[offset + i] }
                tail[rest] = 0x80
                let blocks = rest + 9 <= 64 ? 1 : 2
                for i in (rest + 1)..<(blocks * 64) { tail[i] = 0 }
                let bits = UInt64(n) &* 8
                for k in 0..<8 { tail[blocks * 64 - 1 - k] = UInt8(truncatingIfNeeded: bits >> (UInt64(k) * 8)) }
                let raw = UnsafeRawBufferPointer(tail)
                for b in 0..<blocks { compress(&h, UnsafeRawBufferPointer(rebasing: raw[(b * 64)..<(b * 64 + 64)]), w) }
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(20)
        for word in [h.0, h.1, h.2, h.3, h.4] {
            for k in (0..<4).reversed() { out.append(UInt8(truncatingIfNeeded: word >> (UInt32(k) * 8))) }
        }
        return out
    }

    @inline(__always)
    private static func compress(_ h: inout (UInt32, UInt32, UInt32, UInt32, UInt32), _ block: UnsafeRawBufferPointer, _ w: UnsafeMutableBufferPointer<UInt32>) {
        for i in 0..<16 {
            w[i] = UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16 | UInt32(block[4 * i + 2]) << 8 | UInt32(block[4 * i + 3])
        }
        for i in 16..<80 { w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1) }
        var (a, b, c, d, e) = h
        for i in 0..<20 {
            let t = rotl(a, 5) &+ ((b & c) | (~b & d)) &+ e &+ 0x5A82_7999 &+ w[i]
            e = d; d = c; c = rotl(b, 30); b = a; a = t
        }
        for i in 20..<40 {
            let t = rotl(a, 5) &+ (b ^ c ^ d) &+ e &+ 0x6ED9_EBA1 &+ w[i]
            e = d; d = c; c = rotl(b, 30); b = a; a = t
        }
        for i in 40..<60 {
            let t = rotl(a, 5) &+ ((b & c) | (b & d) | (c & d)) &+ e &+ 0x8F1B_BCDC &+ w[i]
            e = d; d = c; c = rotl(b, 30); b = a; a = t
        }
        for i in 60..<80 {
            let t = rotl(a, 5) &+ (b ^ c ^ d) &+ e &+ 0xCA62_C1D6 &+ w[i]
            e = d; d = c; c = rotl(b, 30); b = a; a = t
        }
        h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
    }

    @inline(__always) private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { x << n | x >> (32 - n) }
}
