/// A point in time with microsecond precision, as PostgreSQL's `timestamptz` stores it.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// Microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01T00:00:00Z).
    public static let postgresEpochOffset: Int64 = 946_684_800_000_000

    /// Microseconds since 2000-01-01T00:00:00Z, the value of PostgreSQL's binary `timestamptz`.
    public var postgresMicroseconds: Int64 { microsecondsSinceEpoch - Self.postgresEpochOffset }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    /// RFC 3339 in UTC with six fractional digits, e.g. `2026-01-02T03:04:05.123456Z`.
    public var description: String { rfc3339 }

    public var rfc3339: String {
        let us = microsecondsSinceEpoch
        let days = us >= 0 ? us / 86_400_000_000 : (us - 86_399_999_999) / 86_400_000_000
        let rem = us - days * 86_400_000_000
        let (y, m, d) = Self.civil(fromDays: days)
        let secs = rem / 1_000_000
        let frac = rem % 1_000_000
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2)).\(pad(frac, 6))Z"
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

extension Timestamp {
    /// The instants Sluice stores: 0001-01-01T00:00:00Z through 9999-12-31T23:59:59.999999Z.
    ///
    /// An offset can carry a valid local time outside it (`0001-01-01T00:00:00+14:00` is in year 0
    /// in UTC), which PostgreSQL would store but not read back from its ISO text form; such an
    /// instant would stop every fold that reads it.
    public static let supportedRange = Timestamp(microsecondsSinceEpoch: -62_135_596_800_000_000)
        ... Timestamp(microsecondsSinceEpoch: 253_402_300_799_999_999)

    /// Parses an RFC 3339 date-time with an explicit offset (`Z` or `±HH:MM`), within
    /// ``supportedRange``.
    ///
    /// Fractional seconds are kept to the microsecond; digits beyond the sixth are rounded
    /// half-to-even, as PostgreSQL does.
    public init?(rfc3339 bytes: some Collection<UInt8>) {
        guard let v = Self.parse(Array(bytes)), Self.supportedRange.contains(Timestamp(microsecondsSinceEpoch: v)) else { return nil }
        self.init(microsecondsSinceEpoch: v)
    }

    /// Whether `bytes` is a well-formed RFC 3339 date-time whose instant is outside ``supportedRange``.
    public static func isOutsideSupportedRange(rfc3339 bytes: some Collection<UInt8>) -> Bool {
        guard let v = parse(Array(bytes)) else { return false }
        return !supportedRange.contains(Timestamp(microsecondsSinceEpoch: v))
    }

    public init?(rfc3339 string: String) {
        self.init(rfc3339: string.utf8)
    }

    private static func parse(_ b: [UInt8]) -> Int64? {
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")),
              let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2) else { return nil }
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")),
              let minute = digits(2), expect(UInt8(ascii: ":")),
              let second = digits(2) else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysInMonth(year, month),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        var micros: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var n = 0
            var extra: [UInt8] = []
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if n < 6 { micros = micros * 10 + Int64(b[i] - 0x30) } else { extra.append(b[i] - 0x30) }
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            if n < 6 { for _ in n..<6 { micros *= 10 } }
            if let first = extra.first {
                let rest = extra.dropFirst().contains { $0 != 0 }
                if first > 5 || (first == 5 && (rest || micros % 2 == 1)) { micros += 1 }
            }
        }
        guard i < b.count else { return nil }
        var offsetSeconds: Int64 = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(UInt8(ascii: ":")), let om = digits(2), oh <= 23, om <= 59 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Timestamp.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return seconds * 1_000_000 + micros
    }

    private static func daysInMonth(_ year: Int64, _ month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
