/// JSON string escapes, decoded: the one decoder behind ``JSONScanner/decodeString(_:)`` and the
/// importers' line scanner.
public enum JSONUnescape {
    /// The text of the string body at `range` of `p` (between the quotes, escapes already checked by
    /// a scanner), decoded until at least `limit` bytes are out. A surrogate escape without its pair
    /// becomes U+FFFD.
    public static func decode(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, limit: Int = .max) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(min(range.count, limit))
        var j = range.lowerBound
        while j < range.upperBound && out.count < limit {
            let c = p[j]
            guard c == UInt8(ascii: "\\") else { out.append(c); j += 1; continue }
            let e = p[j + 1]
            switch e {
            case UInt8(ascii: "b"): out.append(0x08); j += 2
            case UInt8(ascii: "f"): out.append(0x0C); j += 2
            case UInt8(ascii: "n"): out.append(0x0A); j += 2
            case UInt8(ascii: "r"): out.append(0x0D); j += 2
            case UInt8(ascii: "t"): out.append(0x09); j += 2
            case UInt8(ascii: "u"):
                var scalar = hex4(p, j + 2)
                j += 6
                if scalar >= 0xD800 && scalar <= 0xDBFF, j + 6 <= range.upperBound, p[j] == UInt8(ascii: "\\"), p[j + 1] == UInt8(ascii: "u") {
                    let low = hex4(p, j + 2)
                    if low >= 0xDC00 && low <= 0xDFFF {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        j += 6
                    }
                }
                out.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}")!)
            default: out.append(e); j += 2
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The value of a hexadecimal digit, nil for any other byte.
    @inline(__always) public static func hex(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        default: return nil
        }
    }

    private static func hex4(_ p: UnsafePointer<UInt8>, _ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | (hex(p[at + k]) ?? 0) }
        return v
    }
}
