import SluiceCore

/// An ``ExactDecimal`` as the base-10000 digits of PostgreSQL's `numeric` (src/backend/utils/adt/numeric.c):
/// the value is the sum of `digits[i] × 10000^(weight - i)`, with no leading or trailing zero digit.
/// Zero has no digits and weight 0.
struct NumericDigits: Equatable {
    /// At most 7 digits: 18 decimal digits span 6 groups, one more when the point splits them.
    private(set) var digits: [Int16] = []
    private(set) var weight: Int16 = 0
    var count: Int { digits.count }

    init(_ d: ExactDecimal) {
        var magnitude = d.significand.magnitude
        guard magnitude != 0 else { return }
        // Align the point to a group boundary: scale the significand up to a multiple of 4 digits.
        let scale = Int(d.scale)
        let padding = (4 - scale % 4) % 4
        var groups: [Int16] = []  // least significant first
        var carry: UInt64 = 1
        for _ in 0..<padding { carry *= 10 }
        // magnitude × 10^padding may pass UInt64 for 18 digits and padding 3: split the work.
        var low = (magnitude % 10_000) * carry
        magnitude /= 10_000
        var high = magnitude * carry + low / 10_000
        low %= 10_000
        groups.append(Int16(low))
        while high > 0 {
            groups.append(Int16(high % 10_000))
            high /= 10_000
        }
        let fractionGroups = (scale + padding) / 4
        var lowest = 0
        while groups[lowest] == 0 { lowest += 1 }
        digits = groups[lowest...].reversed()
        weight = Int16(groups.count - 1 - fractionGroups)
    }
}
