import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// The aggregates equal the raw GROUP BY after any sequence of rebuilds, refreshes and late
/// events, in both modes. In TimescaleDB mode a rebuild refreshes every continuous aggregate; an
/// event that then arrives for an hour already materialized must still show (functions/sluice_late_days.timescale.sql).
@Suite struct AggregatesAfterRebuildTests {
    static func events(at times: [Int64]) -> [AgentEvent] {
        times.enumerated().map { i, t in
            AgentEvent(id: UUID(), timestamp: Timestamp(microsecondsSinceEpoch: t), eventType: i % 2 == 0 ? "tool_use" : "llm_request",
                       agentId: "claude-code", agentVersion: "2.0", sessionId: UUID(), projectId: 1 + Int32(i % 2),
                       context: try! JSONText("{}"), data: try! JSONText(#"{"toolName":"Bash","success":true}"#),
                       metrics: try! JSONText(#"{"durationMs":\#(100 + i),"inputTokens":\#(i),"outputTokens":1,"cost":0.5}"#), severity: nil)
        }
    }

    @Test func lateEventsAfterARebuildAreInEveryAggregate() async throws {
        let db = try await TestDatabase.fresh()
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let hour: Int64 = 3_600_000_000
        let before = Self.events(at: (0..<40).map { now - Int64($0) * hour / 4 })
        let late = Self.events(at: [now - hour, now - 2 * hour, now - 26 * hour, now - 40 * 24 * hour, now - 60_000_000])
        let compared = try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(HourlyProjectionTests.stream(before), on: conn)
            try catchUp(on: conn)
            _ = try Projector.rebuild(on: conn)
            try ContinuousAggregates.refreshAll(on: conn)
            var rounds: [[String: Bool]] = []
            for event in late {
                _ = try EventWriter.write(HourlyProjectionTests.stream([event]), on: conn)
                try catchUp(on: conn)
                var same: [String: Bool] = [:]
                for (name, projected, raw) in [
                    ("hourly", HourlyProjectionTests.projected, HourlyProjectionTests.raw),
                    ("daily", HourlyProjectionTests.dailyProjected, HourlyProjectionTests.dailyRaw),
                    ("all projects", HourlyProjectionTests.allProjectsProjected, HourlyProjectionTests.allProjectsRaw),
                    ("all projects daily", HourlyProjectionTests.allProjectsDailyProjected, HourlyProjectionTests.allProjectsDailyRaw),
                    ("tools", HourlyProjectionTests.toolsProjected, HourlyProjectionTests.toolsRaw),
                ] {
                    let p = try conn.execute(projected).rows
                    let r = try conn.execute(raw).rows
                    same[name] = !p.isEmpty && p == r
                }
                rounds.append(same)
                // And again after a rebuild, between late events.
                if rounds.count == 2 {
                    _ = try Projector.rebuild(on: conn)
                    try ContinuousAggregates.refreshAll(on: conn)
                }
            }
            return rounds
        }
        for (i, same) in compared.enumerated() {
            for (name, equal) in same.sorted(by: { $0.key < $1.key }) {
                #expect(equal, "after late event \(i) (\(TestDatabase.mode.rawValue) mode): \(name) rows equal the raw GROUP BY")
            }
        }
    }
}
