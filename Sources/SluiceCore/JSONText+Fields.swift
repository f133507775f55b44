extension JSONText {
    /// The raw JSON text of the top-level member `key` of this object, or nil.
    public func member(_ key: String) -> [UInt8]? {
        bytes.withUnsafeBufferPointer { b -> [UInt8]? in
            var s = JSONScanner(b)
            guard s.peek() == UInt8(ascii: "{") else { return nil }
            s.index += 1
            var found: Range<Int>?
            let wanted = Array(key.utf8)
            while let c = s.peek(), c == UInt8(ascii: "\"") {
                let k = s.index
                guard (try? s.scanString()) != nil else { return nil }
                let name = k..<s.index
                guard (try? s.expect(UInt8(ascii: ":"), ":")) != nil, let value = try? s.scanValue() else { return nil }
                // Compare decoded keys only when the raw bytes could differ (escapes).
                if name.count == wanted.count + 2, Array(b[(name.lowerBound + 1)..<(name.upperBound - 1)]) == wanted {
                    found = value  // the last duplicate wins, as in jsonb
                } else if b[name].contains(UInt8(ascii: "\\")), s.decodeString(name) == key {
                    found = value
                }
                if s.peek() == UInt8(ascii: ",") { s.index += 1 }
            }
            return found.map { s.copy($0) }
        }
    }

    /// The raw JSON text of each element of the top-level member `key`, when it is an array.
    public func elements(_ key: String) -> [[UInt8]]? {
        guard let raw = member(key), raw.first == UInt8(ascii: "[") else { return nil }
        return raw.withUnsafeBufferPointer { b -> [[UInt8]]? in
            var s = JSONScanner(b, from: 1)
            var out: [[UInt8]] = []
            while let c = s.peek(), c != UInt8(ascii: "]") {
                guard let value = try? s.scanValue() else { return nil }
                out.append(s.copy(value))
                if s.peek() == UInt8(ascii: ",") { s.index += 1 }
            }
            return out
        }
    }

    /// A top-level number member, if present and numeric.
    public func number(_ key: String) -> Double? {
        guard let raw = member(key), let first = raw.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else { return nil }
        return Double(String(decoding: raw, as: UTF8.self))
    }

    /// A top-level number member as an exact count of `1 / 10^scale` units (e.g. nano-dollars for
    /// scale 9), parsed from its decimal text so that sums do not depend on the order of addition.
    public func fixedPoint(_ key: String, scale: Int) -> Int64? {
        guard let raw = member(key) else { return nil }
        return FixedPoint.parse(raw, scale: scale)
    }

    /// A top-level string member.
    public func string(_ key: String) -> String? {
        guard let raw = member(key), raw.first == UInt8(ascii: "\"") else { return nil }
        return raw.withUnsafeBufferPointer { JSONScanner($0).decodeString(0..<$0.count) }
    }

    /// A top-level boolean member.
    public func bool(_ key: String) -> Bool? {
        switch member(key) {
        case Array("true".utf8)?: true
        case Array("false".utf8)?: false
        default: nil
        }
    }
}

/// Decimal text to an integer count of `10^-scale` units, exactly (rounded half away from zero).
public enum FixedPoint {
    public static func parse(_ raw: [UInt8], scale: Int) -> Int64? {
        var i = 0
        var negative = false
        if i < raw.count, raw[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var intPart: Int64 = 0
        var digits = 0
        while i < raw.count, raw[i] >= 0x30, raw[i] <= 0x39 {
            let (m, o1) = intPart.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(raw[i] - 0x30))
            guard !o1, !o2 else { return nil }
            intPart = a
            i += 1
            digits += 1
        }
        guard digits > 0 else { return nil }
        var frac: Int64 = 0
        var fracDigits = 0
        var roundUp = false
        if i < raw.count, raw[i] == UInt8(ascii: ".") {
            i += 1
            while i < raw.count, raw[i] >= 0x30, raw[i] <= 0x39 {
                if fracDigits < scale { frac = frac * 10 + Int64(raw[i] - 0x30) } else if fracDigits == scale { roundUp = raw[i] >= 0x35 }
                fracDigits += 1
                i += 1
            }
        }
        guard i == raw.count else { return nil }  // exponents are not supported: treated as absent
        for _ in min(fracDigits, scale)..<scale { frac *= 10 }
        var unit: Int64 = 1
        for _ in 0..<scale { unit *= 10 }
        let (m, o) = intPart.multipliedReportingOverflow(by: unit)
        guard !o else { return nil }
        let value = m + frac + (roundUp ? 1 : 0)
        return negative ? -value : value
    }
}
