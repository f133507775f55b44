import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// agent_sessions: every row equals the fold of its session's events, however the events arrived.
@Suite struct SessionProjectionTests {
    static let kinds: [(String, String, String?)] = [
        ("session_start", "{}", nil), ("llm_request", "{}", #"{"inputTokens":1200,"outputTokens":300,"cost":0.0042}"#),
        ("tool_use", #"{"success":true}"#, #"{"durationMs":120}"#), ("tool_use", #"{"success":false}"#, nil),
        ("file_read", "{}", nil), ("file_write", "{}", nil), ("command_execution", "{}", #"{"durationMs":3000}"#),
        ("test_run", #"{"total":12,"passed":11}"#, nil), ("build_trigger", #"{"success":true}"#, nil),
        ("error_encountered", "{}", nil), ("session_end", #"{"outcome":"success"}"#, nil), ("session_end", "{}", nil),
    ]

    static func workload(sessions: Int, events: Int, seed: UInt64) -> [AgentEvent] {
        var rng = SeededGenerator(seed: seed)
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let ids = (0..<sessions).map { _ in rng.uuid() }
        let starts = ids.map { _ in now - Int64.random(in: 7_200_000_000..<(30 * 86_400_000_000), using: &rng) }  // ≥ 2 h old
        return (0..<events).map { _ in
            let s = Int.random(in: 0..<sessions, using: &rng)
            let (type, data, metrics) = kinds.randomElement(using: &rng)!
            return AgentEvent(
                id: rng.uuid(), timestamp: Timestamp(microsecondsSinceEpoch: starts[s] - Int64.random(in: 0..<3_600_000_000, using: &rng)),
                eventType: type, agentId: "claude-code", agentVersion: "2.0", sessionId: ids[s], projectId: Int32(s % 3 + 1),
                context: try! JSONText(#"{"cwd":"/w/\#(s)"}"#), data: try! JSONText(data), metrics: metrics.map { try! JSONText($0) },
                severity: Int.random(in: 0..<15, using: &rng) == 0 ? .critical : nil)
        }
    }

    @Test func sessionsEqualTheFoldOfTheirEventsAndSurviveRebuild() async throws {
        let db = try await TestDatabase.fresh()
        let seed = SeededGenerator.testSeed()
        let events = Self.workload(sessions: 40, events: 3_000, seed: seed)
        var batches: [[UInt8]] = []
        for start in stride(from: 0, to: events.count, by: 100) {
            let batch = Array(events[start..<min(start + 100, events.count)])
            batches.append(HourlyProjectionTests.stream(batch))
            batches.append(HourlyProjectionTests.stream(Array(batch.prefix(30))))  // retries
        }
        let all = batches
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<3 {
                group.addTask {
                    let mine = all.enumerated().filter { $0.offset % 3 == w }.map(\.element)
                    _ = try await TestDatabase.query(db) { conn throws(StoreError) in
                        for b in mine { _ = try EventWriter.write(b, on: conn) }
                    }
                }
            }
            group.addTask {
                _ = try await TestDatabase.query(db) { conn throws(StoreError) in
                    for _ in 0..<60 { _ = try Projector.stepAll(maximumEvents: 300, on: conn) }
                }
            }
            try await group.waitForAll()
        }
        let expected = Dictionary(grouping: events, by: \.sessionId).compactMapValues { SessionFold.fold($0) }
        let compare = """
            SELECT count(*) FROM (
                (SELECT \(SessionRow.columns) FROM agent_sessions EXCEPT SELECT \(SessionRow.columns) FROM expected)
                UNION ALL
                (SELECT \(SessionRow.columns) FROM expected EXCEPT SELECT \(SessionRow.columns) FROM agent_sessions)) d
            """
        let (differences, afterRebuild, rows, sample) = try await TestDatabase.query(db) { conn throws(StoreError) in
            try catchUp(on: conn)
            let now = try conn.execute("SELECT now()::text").value(Timestamp.self)
            try conn.execute("CREATE TEMP TABLE expected (LIKE agent_sessions)")
            for s in expected.values {
                try conn.execute("INSERT INTO expected (\(SessionRow.columns)) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
                                 SessionRow.parameters(s, now: now, idleTimeout: .seconds(1800)))
            }
            let differences = try conn.execute(compare).scalar(String.self)
            _ = try Projector.rebuild(maximumEvents: 1_000, on: conn)
            try catchUp(on: conn)
            return (differences, try conn.execute(compare).scalar(String.self), try conn.execute("SELECT count(*) FROM agent_sessions").scalar(String.self),
                    try conn.execute("SELECT metrics->>'events', outcome, quality_score::text FROM agent_sessions LIMIT 1").rows)
        }
        #expect(rows == "40", "seed \(seed)")
        #expect(differences == "0", "seed \(seed)")
        #expect(afterRebuild == "0", "seed \(seed)")
        #expect(sample.first?[1] != nil)  // every session here has ended (idle for hours), so each has an outcome
    }

    @Test func rowsRoundTripThroughTheirStoredForm() throws {
        let seed = SeededGenerator.testSeed()
        let events = Self.workload(sessions: 1, events: 200, seed: seed)
        let s = try #require(SessionFold.fold(events))
        let now = Timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000))
        var row = SessionRow.parameters(s, now: now, idleTimeout: .seconds(1800))
        // As PostgreSQL prints them back.
        row[4] = row[4]!.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "+00")
        row[11] = row[11]!.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "+00")
        let back = try SessionRow.summary(Row(values: row, columns: SessionRow.columns.components(separatedBy: ", ")))
        #expect(back == s)
    }
}
