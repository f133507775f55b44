import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// The contracts of issue 3 for the hourly aggregates: exact, rebuildable, concurrent-safe.
@Suite struct HourlyProjectionTests {
    static let types = ["llm_request", "tool_use", "file_read", "error_encountered", "command_execution", "session_end"]

    static func randomEvent(_ rng: inout some RandomNumberGenerator, now: Int64) -> AgentEvent {
        let age = Int64.random(in: 0..<(30 * 86_400_000_000), using: &rng)  // up to 30 days late
        let type = types.randomElement(using: &rng)!
        var metrics: [String] = []
        if Bool.random(using: &rng) { metrics.append(#""durationMs":\#(Int.random(in: 0...100_000, using: &rng))"#) }
        if type == "llm_request" { metrics.append(#""inputTokens":\#(Int.random(in: 0...5000, using: &rng)),"outputTokens":\#(Int.random(in: 0...900, using: &rng)),"cacheReadTokens":7,"cost":0.00\#(Int.random(in: 1...999, using: &rng))"#) }
        if Int.random(in: 0..<10, using: &rng) == 0 { metrics.append(#""durationMs":"oops""#) }  // wrong type: absent
        let tool = ["Bash", "Read", "Edit"].randomElement(using: &rng)!
        let model = ["claude-sonnet-4-5", "claude-haiku-4-5"].randomElement(using: &rng)!
        let data = switch type {
        case "tool_use": Bool.random(using: &rng) ? #"{"toolName":"\#(tool)","success":false}"# : #"{"toolName":"\#(tool)","status":"ok"}"#
        case "llm_request": #"{"model":"\#(model)"}"#
        default: "{}"
        }
        return AgentEvent(
            id: UUID(), timestamp: Timestamp(microsecondsSinceEpoch: now - age), eventType: type,
            agentId: ["claude-code", "copilot"].randomElement(using: &rng)!, agentVersion: "1", sessionId: UUID(),
            projectId: Int32.random(in: 1...3, using: &rng), data: try! JSONText(data),
            metrics: metrics.isEmpty ? nil : try! JSONText("{" + metrics.joined(separator: ",") + "}"),
            severity: Int.random(in: 0..<8, using: &rng) == 0 ? .error : nil)
    }

    static func stream(_ events: [AgentEvent]) -> [UInt8] {
        var e = CopyBinaryEncoder()
        for event in events { e.append(event) }
        return CopyBinaryEncoder.stream([e])
    }

    // The comparisons, shared with other suites.
    static let projected = RawAggregates.projected
    static let raw = RawAggregates.raw
    static let dailyProjected = RawAggregates.dailyProjected
    static let dailyRaw = RawAggregates.dailyRaw
    static let allProjectsProjected = RawAggregates.allProjectsProjected
    static let allProjectsRaw = RawAggregates.allProjectsRaw
    static let allProjectsDailyProjected = RawAggregates.allProjectsDailyProjected
    static let allProjectsDailyRaw = RawAggregates.allProjectsDailyRaw
    static let toolsProjected = RawAggregates.toolsProjected
    static let toolsRaw = RawAggregates.toolsRaw
    static let toolsDailyProjected = RawAggregates.toolsDailyProjected
    static let toolsDailyRaw = RawAggregates.toolsDailyRaw
    static let costsProjected = RawAggregates.costsProjected
    static let costsRaw = RawAggregates.costsRaw

    @Test func exactAndRebuildableUnderConcurrentWritersAndProjectors() async throws {
        let db = try await TestDatabase.fresh()
        let seed = SeededGenerator.testSeed()
        var rng = SeededGenerator(seed: seed)
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let events = (0..<6_000).map { _ in Self.randomEvent(&rng, now: now) }
        // Batches that overlap (duplicates and retries), written by 4 writers while 2 projectors step.
        var batches: [[UInt8]] = []
        for start in stride(from: 0, to: events.count, by: 250) {
            let batch = Array(events[start..<min(start + 250, events.count)])
            batches.append(Self.stream(batch + batch.prefix(20)))
            if Bool.random(using: &rng) { batches.append(Self.stream(Array(batch.suffix(100)))) }  // a retry
        }
        let shuffled = batches.shuffled(using: &rng)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<4 {
                group.addTask {
                    let mine = shuffled.enumerated().filter { $0.offset % 4 == w }.map(\.element)
                    _ = try await TestDatabase.query(db) { conn throws(StoreError) in
                        for b in mine { _ = try EventWriter.write(b, on: conn) }
                    }
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    _ = try await TestDatabase.query(db) { conn throws(StoreError) in
                        for _ in 0..<40 { _ = try Projector.stepAll(maximumEvents: 700, on: conn) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let (incremental, expected, rebuilt, count, all) = try await TestDatabase.query(db) { conn throws(StoreError) in
            try catchUp(on: conn)  // every writer has committed
            let incremental = try conn.execute(Self.projected).rows
            let expected = try conn.execute(Self.raw).rows
            let side = try (conn.execute(Self.toolsProjected).rows, conn.execute(Self.toolsRaw).rows,
                            conn.execute(Self.costsProjected).rows, conn.execute(Self.costsRaw).rows)
            let daily = try (conn.execute(Self.dailyProjected).rows, conn.execute(Self.dailyRaw).rows,
                             conn.execute(Self.toolsDailyProjected).rows, conn.execute(Self.toolsDailyRaw).rows)
            let allProjects = try (conn.execute(Self.allProjectsProjected).rows, conn.execute(Self.allProjectsRaw).rows,
                                   conn.execute(Self.allProjectsDailyProjected).rows, conn.execute(Self.allProjectsDailyRaw).rows)
            _ = try Projector.rebuild(maximumEvents: 1_000, on: conn)
            try catchUp(on: conn)
            let rebuiltDaily = try (conn.execute(Self.dailyProjected).rows, conn.execute(Self.toolsDailyProjected).rows,
                                    conn.execute(Self.allProjectsProjected).rows, conn.execute(Self.allProjectsDailyProjected).rows)
            return (incremental, expected, try conn.execute(Self.projected).rows,
                    try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self), (side, daily, allProjects, rebuiltDaily))
        }
        let (side, daily, allProjects, rebuiltDaily) = all
        #expect(!daily.0.isEmpty && daily.0 == daily.1, "daily rows equal the raw GROUP BY by day")
        #expect(!daily.2.isEmpty && daily.2 == daily.3, "daily tool rows equal the raw GROUP BY by day")
        #expect(!allProjects.0.isEmpty && allProjects.0 == allProjects.1, "all-projects hourly rows equal the raw GROUP BY without the project")
        #expect(!allProjects.2.isEmpty && allProjects.2 == allProjects.3, "all-projects daily rows equal the raw GROUP BY by day without the project")
        #expect(allProjects.0.count < incremental.count, "the all-projects rollup has fewer rows")
        #expect(rebuiltDaily.0 == daily.0 && rebuiltDaily.1 == daily.2, "daily rows after rebuild")
        #expect(rebuiltDaily.2 == allProjects.0 && rebuiltDaily.3 == allProjects.2, "all-projects rows after rebuild")
        #expect(!side.0.isEmpty && side.0 == side.1, "tools")
        #expect(!side.2.isEmpty && side.2 == side.3, "costs")
        #expect(count == "6000")
        #expect(!incremental.isEmpty)
        #expect(incremental.count == expected.count, "seed \(seed)")
        for (a, b) in zip(incremental, expected) where a != b { Issue.record("seed \(seed): hourly row differs:\n\(a)\n\(b)"); break }
        #expect(rebuilt == incremental, "seed \(seed)")
    }

    @Test func percentilesComeFromMergedHourlyHistograms() async throws {
        let db = try await TestDatabase.fresh()
        let result = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("""
                SELECT sluice_histogram_quantile(sluice_histogram_sum(h), 0.5), sluice_histogram_quantile(sluice_histogram_sum(h), 0.99),
                       sluice_latency_bucket(0.5), sluice_latency_bucket(1), sluice_latency_bucket(3), sluice_latency_bucket(1e12)
                FROM (SELECT sluice_histogram_of(array_agg(sluice_latency_bucket(ms))) AS h FROM generate_series(1, 100) ms GROUP BY ms % 3) parts
                """).rows[0]
        }
        // 1..100 ms: the median (50) lies in [32, 64), the 99th (99) in [64, 128).
        #expect(result == ["64", "128", "0", "1", "2", "31"])
    }
}
