import Testing
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// Quantiles taken in Swift agree with `sluice_histogram_quantile`.
@Suite struct LatencyHistogramTests {
    @Test func quantilesFollowTheSQLRule() throws {
        let h = try #require(LatencyHistogram(postgresArray: "{0,2,0,1,NULL,1}"))
        #expect(h.counts == [0, 2, 0, 1, 0, 1])
        #expect(h.quantile(0.5) == 2)      // 2 of 4 values: bucket 1, upper bound 2^1
        #expect(h.quantile(0.75) == 8)     // bucket 3
        #expect(h.quantile(1.0) == 32)     // bucket 5
        #expect(LatencyHistogram(counts: [0, 0]).quantile(0.5) == nil)
        #expect(LatencyHistogram(postgresArray: "[1,2]") == nil)
    }

    @Test func quantilesEqualTheSQLFunction() async throws {
        let db = try await TestDatabase.fresh()
        let seed = SeededGenerator.testSeed()
        var rng = SeededGenerator(seed: seed)
        let histograms = (0..<200).map { i in
            LatencyHistogram(counts: (0..<32).map { _ in i % 7 == 0 ? 0 : Int64.random(in: 0...(Bool.random(using: &rng) ? 3 : 5000), using: &rng) })
        }
        let ps = [0.01, 0.5, 0.95, 0.99, 1.0]
        let sql = try await TestDatabase.query(db) { conn throws(StoreError) in
            try histograms.map { h throws(StoreError) in
                try ps.map { p throws(StoreError) in
                    try conn.execute("SELECT sluice_histogram_quantile($1::bigint[], $2::float8)::bigint",
                                     [PostgresArray.literal(h.counts.map(String.init)), String(p)]).scalar(String.self).flatMap { Int64($0) }
                }
            }
        }
        for (h, expected) in zip(histograms, sql) {
            #expect(ps.map { h.quantile($0) } == expected, "seed \(seed): \(h.counts)")
        }
    }
}
