/// Exact money arithmetic in integer nano-dollars (10⁻⁹ USD).
///
/// A price of P dollars per million tokens is P × 1000 nano-dollars per token, an integer for
/// any price with at most three decimals (all published Claude prices), so a request's cost is
/// an exact integer and sums never depend on the order of addition.
public enum Money {
    /// `0.001234500` for 1,234,500 nano-dollars.
    public static func decimalString(nano: Int64) -> String {
        let negative = nano < 0
        let m = nano.magnitude
        let whole = m / 1_000_000_000
        let frac = String(m % 1_000_000_000)
        return (negative ? "-" : "") + "\(whole)." + String(repeating: "0", count: 9 - frac.count) + frac
    }

    /// `6` for 6000 thousandths, `2.5` for 2500.
    public static func multiple(milli: Int64) -> String {
        let frac = milli.magnitude % 1000
        guard frac != 0 else { return "\(milli / 1000)" }
        var digits = String(frac)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(milli < 0 ? "-" : "")\(milli.magnitude / 1000).\(digits)"
    }

    /// Parses decimal text (with an optional exponent, as JavaScript writes small numbers) as
    /// an integer count of 10⁻`scale` units, rounded half away from zero. Nil if not a number,
    /// and with `exact`, also if it is not a whole number of those units (`3.75e-06` is 3750
    /// nano-dollars; `5.09e-08` is no whole number of them).
    public static func parseDecimal(_ raw: some Collection<UInt8>, scale: Int, exact: Bool = false) -> Int64? {
        var digits: [UInt8] = []
        var pointAt: Int?
        var negative = false
        var exponent = 0
        var it = raw.makeIterator()
        var c = it.next()
        if c == UInt8(ascii: "-") { negative = true; c = it.next() }
        while let d = c {
            if d >= 0x30 && d <= 0x39 { digits.append(d - 0x30) }
            else if d == UInt8(ascii: "."), pointAt == nil { pointAt = digits.count }
            else if d | 0x20 == UInt8(ascii: "e") {
                var expText: [UInt8] = []
                while let e = it.next() { expText.append(e) }
                guard let e = Int(String(decoding: expText, as: UTF8.self)), abs(e) < 400 else { return nil }
                exponent = e
                break
            } else { return nil }
            c = it.next()
        }
        guard !digits.isEmpty else { return nil }
        // value = digits × 10^(exponent − fractionDigits); we want value × 10^scale.
        let fractionDigits = digits.count - (pointAt ?? digits.count)
        let shift = exponent - fractionDigits + scale
        var v: Int64 = 0
        if shift >= 0 {
            for d in digits {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(d))
                guard !o1, !o2 else { return nil }
                v = a
            }
            for _ in 0..<shift {
                let (m, o) = v.multipliedReportingOverflow(by: 10)
                guard !o else { return nil }
                v = m
            }
        } else {
            let keep = digits.count + shift
            if exact, digits.suffix(min(digits.count, -shift)).contains(where: { $0 != 0 }) { return nil }
            if keep < 0 { return 0 }
            for d in digits.prefix(keep) {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(d))
                guard !o1, !o2 else { return nil }
                v = a
            }
            if keep < digits.count, digits[keep] >= 5 { v += 1 }
        }
        return negative ? -v : v
    }
}
