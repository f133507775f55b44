/// A JSON number in plain decimal notation, exactly: `significand × 10^-scale`, as PostgreSQL's
/// `numeric` reads the same text (`"0.0120"` keeps its scale of 4).
public struct ExactDecimal: Sendable, Hashable, CustomStringConvertible {
    public var significand: Int64
    /// Digits after the decimal point, as written.
    public var scale: Int16

    public init(significand: Int64, scale: Int16) {
        self.significand = significand
        self.scale = scale
    }

    /// The most significant digits this type holds: every 18-digit significand fits an `Int64`.
    public static let maximumDigits = 18

    /// Parses `bytes[range]`, a valid JSON number; nil when it has an exponent, more than
    /// ``maximumDigits`` significant digits or a scale over 1,000 (callers then leave the value to
    /// PostgreSQL's own reading).
    public init?(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        var i = range.lowerBound
        let negative = i < range.upperBound && bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var value: Int64 = 0
        var digits = 0
        var scale = 0
        var inFraction = false
        while i < range.upperBound {
            let c = bytes[i]
            if c == UInt8(ascii: ".") {
                inFraction = true
            } else if c &- 0x30 < 10 {
                if value != 0 || c != 0x30 { digits += 1 }
                guard digits <= Self.maximumDigits else { return nil }
                value = value * 10 + Int64(c &- 0x30)
                if inFraction { scale += 1 }
            } else {
                return nil  // an exponent
            }
            i += 1
        }
        guard scale <= 1000 else { return nil }
        self.significand = negative ? -value : value
        self.scale = Int16(scale)
    }

    /// Whether the magnitude is under `10^digits × 0.9` — the metric rules' `abs(x) < 9e15` for 15.
    func magnitude(isBelowNineTimesTenToThe power: Int) -> Bool {
        var limit: Int64 = 9
        for _ in 0..<(power + Int(scale)) {
            let (m, overflow) = limit.multipliedReportingOverflow(by: 10)
            if overflow { return true }  // the limit is past every 18-digit significand
            limit = m
        }
        return significand.magnitude < UInt64(limit)
    }

    /// Whether it is a whole number (every digit after the point is zero).
    var isWhole: Bool {
        var unit: Int64 = 1
        for _ in 0..<scale {
            let (m, overflow) = unit.multipliedReportingOverflow(by: 10)
            if overflow { return significand == 0 }
            unit = m
        }
        return significand % unit == 0
    }

    public var description: String {
        let digits = String(significand.magnitude)
        let sign = significand < 0 ? "-" : ""
        guard scale > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(Int(scale) + 1 - digits.count, 0)) + digits
        return sign + padded.dropLast(Int(scale)) + "." + padded.suffix(Int(scale))
    }
}
