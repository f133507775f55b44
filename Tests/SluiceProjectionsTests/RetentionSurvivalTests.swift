import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

@Suite struct RetentionSurvivalTests {
    /// Dropping a day's raw partition (what retention does after archiving) leaves the sessions and
    /// aggregates folded from it intact, and a late event still merges into its session.
    @Test func projectionsOutliveTheRawEventsTheyCameFrom() async throws {
        // Plain mode only: it deletes raw rows by hand, which compressed hypertables refuse (retention drops chunks there).
        guard TestDatabase.mode == .plain else { return }
        let db = try await TestDatabase.fresh()
        let session = UUID()
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let day = Int64(86_400_000_000)
        @Sendable func event(_ type: String, _ t: Int64, _ metrics: String? = nil) -> AgentEvent {
            AgentEvent(id: UUID(), timestamp: Timestamp(microsecondsSinceEpoch: t), eventType: type, agentId: "claude-code",
                       agentVersion: "2", sessionId: session, projectId: 1, metrics: metrics.map { try! JSONText($0) })
        }
        let old = now - 20 * day
        let oldDay = (0..<50).map { i in event("llm_request", old + Int64(i) * 1_000_000, #"{"inputTokens":10,"durationMs":100}"#) }
        let result = try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(HourlyProjectionTests.stream(oldDay), on: conn)
            try catchUp(on: conn)
            let snapshot = "SELECT (SELECT sum(event_count) FROM agent_events_hourly), (SELECT sum(tokens_in) FROM agent_events_hourly), (SELECT metrics->>'events' FROM agent_sessions)"
            let before = try conn.execute(snapshot).rows
            let partition = try conn.execute("SELECT DISTINCT tableoid::regclass::text FROM agent_events").scalar(String.self)!
            try conn.execute("ALTER TABLE agent_events DETACH PARTITION \(partition)")
            try conn.execute("DROP TABLE \(partition)")
            try catchUp(on: conn)
            let afterDrop = try conn.execute(snapshot).rows
            _ = try EventWriter.write(HourlyProjectionTests.stream([event("tool_use", old + 60_000_000)]), on: conn)
            try catchUp(on: conn)
            return (before, afterDrop, try conn.execute(snapshot).rows,
                    try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self))
        }
        #expect(result.0 == [["50", "500", "50"]])
        #expect(result.1 == result.0)
        #expect(result.2 == [["51", "500", "51"]])
        #expect(result.3 == "1")
    }
}
