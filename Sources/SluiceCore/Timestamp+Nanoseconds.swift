extension Timestamp {
    /// The microsecond of a Unix time in nanoseconds (OpenTelemetry's `time_unix_nano`), rounded
    /// half-to-even as PostgreSQL rounds extra fractional digits.
    public init(unixNanoseconds ns: UInt64) {
        var us = ns / 1000
        let rest = ns % 1000
        if rest > 500 || (rest == 500 && us % 2 == 1) { us += 1 }
        self.init(microsecondsSinceEpoch: Int64(clamping: us))
    }
}
