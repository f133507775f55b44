import SluiceStore

/// A latency histogram as the aggregates store it (32 log-scale buckets of `durationMs`, see
/// SQL/functions/sluice_latency_bucket.sql), and its quantiles computed as `sluice_histogram_quantile` computes them.
struct LatencyHistogram: Equatable, PostgresDecodable {
    var counts: [Int64]

    static var postgresTypeName: String { "bigint[]" }

    init?(postgresText text: String) { self.init(postgresArray: text) }

    /// Parses PostgreSQL's text output of a `bigint[]` (`{1,0,2}`); nil for anything else.
    init?(postgresArray text: String) {
        guard text.first == "{", text.last == "}" else { return nil }
        let inner = text.dropFirst().dropLast()
        if inner.isEmpty { counts = []; return }
        var out: [Int64] = []
        out.reserveCapacity(32)
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            if part == "NULL" { out.append(0); continue }
            guard let n = Int64(part) else { return nil }
            out.append(n)
        }
        counts = out
    }

    init(counts: [Int64]) { self.counts = counts }

    /// The p-quantile (0 < p ≤ 1) in ms: the upper bound `2^k` of the bucket k holding it; nil
    /// when the histogram is empty.
    func quantile(_ p: Double) -> Int64? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let target = (p * Double(total)).rounded(.up)
        var cumulative: Int64 = 0
        for (k, n) in counts.enumerated() {
            cumulative += n
            if Double(cumulative) >= target { return k < 63 ? Int64(1) << k : nil }
        }
        return nil
    }
}
