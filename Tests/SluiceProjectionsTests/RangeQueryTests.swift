import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// Range reads that combine rollups: tool totals (whole days from `agent_tools_daily`, the hours
/// around them from `agent_tools_hourly`) and daily series agree with the raw events for any range.
@Suite struct RangeQueryTests {
    static let hour: Int64 = 3_600_000_000
    static let day: Int64 = 86_400_000_000

    /// Open, half-open, inside one day, across days at odd hours, and whole days.
    static func ranges(now: Int64, _ rng: inout some RandomNumberGenerator) -> [(Int64?, Int64?)] {
        let midnight = (now / day - 12) * day
        var ranges: [(Int64?, Int64?)] = [
            (nil, nil), (now - 10 * day - 2 * hour - 777_000_000, nil), (nil, now - 3 * day - 5 * hour),
            (midnight, midnight + 5 * day), (midnight + hour, midnight + 3 * hour), (midnight + 23 * hour + 1, midnight + 25 * hour),
        ]
        for _ in 0..<8 {
            let from = now - Int64.random(in: 0..<(31 * day), using: &rng)
            ranges.append((from, from + Int64.random(in: 0..<(9 * day), using: &rng)))
        }
        return ranges
    }

    static func text(_ t: Int64?) -> String? { t.map { Timestamp(microsecondsSinceEpoch: $0).rfc3339 } }

    static func objects(_ json: String) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [[String: Any]] ?? []
    }

    @Test func toolTotalsAndDailySeriesAgreeWithTheRawEventsForAnyRange() async throws {
        let db = try await TestDatabase.fresh()
        let seed = SeededGenerator.testSeed()
        var rng = SeededGenerator(seed: seed)
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let events = (0..<3_000).map { _ in HourlyProjectionTests.randomEvent(&rng, now: now) }
        let ranges = Self.ranges(now: now, &rng)
        let results = try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(HourlyProjectionTests.stream(events), on: conn)
            try catchUp(on: conn)
            return try ranges.map { range throws(StoreError) in
                let (from, to) = (Self.text(range.0), Self.text(range.1))
                let filter = Queries.Filter(from: from, to: to)
                let rawTools = try conn.execute("""
                    SELECT data ->> 'toolName', count(*)::text,
                           count(*) FILTER (WHERE data ->> 'success' = 'false' OR severity IN ('error', 'critical'))::text
                    FROM agent_events
                    WHERE event_type = 'tool_use'
                      AND ($1::timestamptz IS NULL OR date_trunc('hour', "timestamp", 'UTC') >= date_trunc('hour', $1::timestamptz, 'UTC'))
                      AND ($2::timestamptz IS NULL OR date_trunc('hour', "timestamp", 'UTC') < $2::timestamptz)
                    GROUP BY 1 ORDER BY 1
                    """, [from, to]).rows
                let rawDays = try conn.execute("""
                    SELECT event_type, count(*)::text, count(DISTINCT date_trunc('day', "timestamp", 'UTC'))::text
                    FROM agent_events
                    WHERE ($1::timestamptz IS NULL OR date_trunc('day', "timestamp", 'UTC') >= date_trunc('day', $1::timestamptz, 'UTC'))
                      AND ($2::timestamptz IS NULL OR date_trunc('day', "timestamp", 'UTC') < $2::timestamptz)
                    GROUP BY 1 ORDER BY 1
                    """, [from, to]).rows
                // Without a project the series reads the all-projects rollup; one project's series
                // (project 2) reads the per-project one.
                let rawProject = try conn.execute("""
                    SELECT count(*)::text FROM agent_events
                    WHERE project_id = 2
                      AND ($1::timestamptz IS NULL OR date_trunc('day', "timestamp", 'UTC') >= date_trunc('day', $1::timestamptz, 'UTC'))
                      AND ($2::timestamptz IS NULL OR date_trunc('day', "timestamp", 'UTC') < $2::timestamptz)
                    """, [from, to]).scalar(String.self)
                let projectSeries = try Queries.series(Queries.Filter(project: 2, from: from, to: to), groupBy: .eventType, resolution: .day, on: conn)
                return (try Queries.tools(filter, on: conn), rawTools,
                        try Queries.series(filter, groupBy: .eventType, resolution: .day, on: conn), rawDays, (projectSeries, rawProject))
            }
        }
        for ((tools, rawTools, series, rawDays, project), range) in zip(results, ranges) {
            #expect(String(Self.objects(project.0).reduce(0) { $0 + ($1["events"] as? Int ?? 0) }) == project.1, "seed \(seed): project series for \(range)")
            let got = Self.objects(tools).map { [$0["tool"] as? String, ($0["uses"] as? Int).map(String.init), ($0["failures"] as? Int).map(String.init)] }
            #expect(got.sorted { ($0[0] ?? "") < ($1[0] ?? "") } == rawTools, "seed \(seed): tools for \(range)")
            #expect(Self.objects(tools).allSatisfy { $0["p50Ms"] != nil }, "seed \(seed): tool percentiles for \(range)")
            let byType = Dictionary(grouping: Self.objects(series), by: { $0["group"] as? String ?? "" })
            let gotDays = byType.keys.sorted().map { type in
                [type, String(byType[type]!.reduce(0) { $0 + ($1["events"] as? Int ?? 0) }), String(byType[type]!.count)]
            }
            #expect(gotDays == rawDays.map { $0.map { $0 ?? "" } }, "seed \(seed): daily series for \(range)")
        }
        #expect(results.contains { !$0.1.isEmpty } && results.contains { !$0.3.isEmpty })
    }
}
