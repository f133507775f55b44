import Foundation

extension UUID {
    /// Parses the canonical 8-4-4-4-12 hexadecimal form (either case).
    public init?(canonical b: UnsafeBufferPointer<UInt8>) {
        guard b.count == 36, b[8] == 0x2D, b[13] == 0x2D, b[18] == 0x2D, b[23] == 0x2D else { return nil }
        var out: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var ok = true
        withUnsafeMutableBytes(of: &out) { raw in
            var j = 0
            var i = 0
            while i < 36 {
                if i == 8 || i == 13 || i == 18 || i == 23 { i += 1; continue }
                guard let hi = hexValue(b[i]), let lo = hexValue(b[i + 1]) else { ok = false; return }
                raw[j] = hi << 4 | lo
                j += 1
                i += 2
            }
        }
        guard ok else { return nil }
        self.init(uuid: out)
    }

    /// A time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds, then random bits.
    public static func v7(unixMilliseconds ms: UInt64 = UInt64(Date().timeIntervalSince1970 * 1000)) -> UUID {
        var g = SystemRandomNumberGenerator()
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { p in
            for k in 0..<6 { p[k] = UInt8(truncatingIfNeeded: ms >> (40 - 8 * UInt64(k))) }
            let r1: UInt64 = g.next()
            let r2: UInt64 = g.next()
            for k in 6..<16 { p[k] = UInt8(truncatingIfNeeded: (k < 14 ? r1 : r2) >> UInt64(8 * (k % 8))) }
            p[6] = 0x70 | (p[6] & 0x0F)
            p[8] = 0x80 | (p[8] & 0x3F)
        }
        return UUID(uuid: raw)
    }

    /// The 16 bytes in network order, as PostgreSQL's binary `uuid`.
    @inlinable public var bytes: [UInt8] {
        withUnsafeBytes(of: uuid) { Array($0) }
    }

    /// Lower-case canonical form, as PostgreSQL prints it.
    public var lowercased: String { uuidString.lowercased() }
}

@inline(__always)
private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x61...0x66: return c - 0x61 + 10
    case 0x41...0x46: return c - 0x41 + 10
    default: return nil
    }
}
