import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// PostgreSQL pre-folds most events of a step (`sluice_session_partials`) and the Swift fold takes
/// the rest: sessions must equal the Swift fold of their events whichever way each event went,
/// including values the two could read differently (fractions, exponents, overflow, non-ASCII).
@Suite struct SessionPartialTests {
    /// (event type, data, metrics): ordinary events and unusual ones.
    static let kinds: [(String, String, String?)] = [
        ("session_start", #"{"model":"m"}"#, nil),
        ("llm_request", "{}", #"{"inputTokens":1200,"outputTokens":300,"cost":0.0042}"#),
        ("llm_response", "{}", #"{"promptTokens":1.0,"responseTokens":2.5,"cost":1e-10}"#),
        ("llm_response", "{}", #"{"inputTokens":-5,"promptTokens":7,"outputTokens":1e3,"costUSD":0.1234567891234}"#),
        ("llm_response", "{}", #"{"inputTokens":"12","promptTokens":3,"cost":"0.5","costUSD":0.25}"#),
        ("llm_response", "{}", #"{"inputTokens":1e16,"outputTokens":12.4999999999999999999,"cost":12345678901}"#),
        ("llm_response", "{}", #"{"cacheReadTokens":5,"cacheCreationTokens":6,"cost":0.0000000015}"#),
        ("llm_response", "{}", #"{"cacheReadTokens":8999999999999999,"cost":-0.0000000015}"#),
        ("tool_use", #"{"toolName":"Bash","status":"FAILED"}"#, #"{"durationMs":12}"#),
        ("tool_use", #"{"toolName":"Bash","status":"FAİLED"}"#, nil),
        ("tool_use", #"{"toolName":"Read","status":"Échec"}"#, nil),
        ("tool_invocation", #"{"error":null}"#, nil), ("tool_invocation", #"{"error":false}"#, nil),
        ("tool_invocation", #"{"error":"boom"}"#, nil), ("tool_use", #"{"success":false}"#, nil),
        ("file_read", "{}", nil), ("file_create", "{}", nil), ("command_execute", "{}", #"{"durationMs":3}"#),
        ("test_run", #"{"total":12,"passed":11}"#, nil), ("build_trigger", #"{"success":false}"#, nil),
        ("error_encountered", "{}", nil),
        ("session_end", #"{"outcome":"abandoned"}"#, nil), ("session_end", #"{"outcome":"success"}"#, nil),
        ("session_end", #"{"outcome":"bogus"}"#, nil), ("session_end", #"{"outcome":5}"#, nil), ("session_end", "{}", nil),
    ]

    static func workload(sessions: Int, events: Int, seed: UInt64) -> [AgentEvent] {
        var rng = SeededGenerator(seed: seed)
        let base = Int64(Date().timeIntervalSince1970 * 1_000_000) - 6 * 3_600_000_000  // idle for hours
        let ids = (0..<sessions).map { _ in rng.uuid() }
        var out: [AgentEvent] = []
        var keys = Set<String>()
        for _ in 0..<events {
            let s = Int.random(in: 0..<sessions, using: &rng)
            let (type, data, metrics) = kinds.randomElement(using: &rng)!
            // Few distinct seconds per session: timestamps tie, and (timestamp, id) decides.
            let t = base + Int64(s) * 60_000_000 + Int64.random(in: 0..<40, using: &rng) * 1_000_000
            // Now and then an id again at another instant (the log's key is (id, timestamp)).
            let again = out.last.flatMap { !keys.contains("\($0.id) \(t)") && Int.random(in: 0..<8, using: &rng) == 0 ? $0.id : nil }
            let id = again ?? rng.uuid()
            keys.insert("\(id) \(t)")
            out.append(AgentEvent(
                id: id, timestamp: Timestamp(microsecondsSinceEpoch: t), eventType: type,
                agentId: ["claude-code", "copilot"].randomElement(using: &rng)!, agentVersion: ["1", "2"].randomElement(using: &rng)!,
                sessionId: ids[s], projectId: Int32.random(in: 1...2, using: &rng),
                context: try! JSONText(#"{"cwd":"/w/\#(Int.random(in: 0..<3, using: &rng))"}"#), data: try! JSONText(data),
                metrics: metrics.map { try! JSONText($0) },
                severity: Int.random(in: 0..<10, using: &rng) == 0 ? .error : nil))
        }
        return out
    }

    @Test func sessionsEqualTheSwiftFoldWhicheverWayEachEventWent() async throws {
        let db = try await TestDatabase.fresh()
        let seed = SeededGenerator.testSeed()
        let events = Self.workload(sessions: 12, events: 2_000, seed: seed)
        let expected = Dictionary(grouping: events, by: \.sessionId).compactMapValues { SessionFold.fold($0) }
        let (paths, differences) = try await TestDatabase.query(db) { conn throws(StoreError) in
            for start in stride(from: 0, to: events.count, by: 150) {
                _ = try EventWriter.write(HourlyProjectionTests.stream(Array(events[start..<min(start + 150, events.count)])), on: conn)
                _ = try Projector.stepAll(maximumEvents: 400, on: conn)
            }
            try catchUp(on: conn)
            let paths = try conn.execute("""
                SELECT count(*) FILTER (WHERE sluice_session_simple(event_type, data, metrics)),
                       count(*) FILTER (WHERE NOT sluice_session_simple(event_type, data, metrics))
                FROM agent_events
                """).rows.first ?? []
            let now = try conn.execute("SELECT now()::text").value(Timestamp.self)
            try conn.execute("CREATE TEMP TABLE expected (LIKE agent_sessions)")
            for s in expected.values {
                try conn.execute("INSERT INTO expected (\(SessionRow.columns)) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
                                 SessionRow.parameters(s, now: now, idleTimeout: .seconds(1800)))
            }
            let differences = try conn.execute("""
                SELECT count(*) FROM (
                    (SELECT \(SessionRow.columns) FROM agent_sessions EXCEPT SELECT \(SessionRow.columns) FROM expected)
                    UNION ALL
                    (SELECT \(SessionRow.columns) FROM expected EXCEPT SELECT \(SessionRow.columns) FROM agent_sessions)) d
                """).scalar(String.self)
            return (paths, differences)
        }
        // Both paths were taken.
        #expect((Int(paths.first.flatMap { $0 } ?? "0") ?? 0) > 100, "seed \(seed)")
        #expect((Int(paths.last.flatMap { $0 } ?? "0") ?? 0) > 100, "seed \(seed)")
        #expect(differences == "0", "seed \(seed)")
    }

    @Test func partialRowsMapToTheSummaryOfTheirEvents() throws {
        let first = UUID(), end = UUID(), session = UUID()
        let row: [String?] = [
            session.lowercased, "session_end", "claude-code", "2.0", "3", "cancelled", "4", "1000", first.lowercased, "5000",
            first.lowercased, #"{"cwd": "/w"}"#, "5000", end.lowercased, "10", "20", "1", "2", "1500000000", "0", "1",
        ]
        let columns = SessionPartial.columns.components(separatedBy: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let s = try SessionPartial.summary(Row(values: row, columns: columns))
        #expect(s.counters.events == 4)
        #expect(s.counters.eventsByType == ["session_end": 4])
        #expect(s.counters.costNanoUSD == 1_500_000_000)
        #expect(s.counters.errors == 1)
        #expect(s.endedAt == Timestamp(microsecondsSinceEpoch: 5000))
        #expect(s.declaredOutcome == .cancelled)
        #expect(s.firstEventAt == Timestamp(microsecondsSinceEpoch: 1000))
        #expect(throws: StoreError.self) { try SessionPartial.summary(Row(values: Array(row.prefix(20)), columns: columns)) }
        // A value that is not what the function returns is an error naming its column, not a 0.
        var bad = row
        bad[14] = "ten"
        #expect { try SessionPartial.summary(Row(values: bad, columns: columns)) } throws: { error in
            guard case StoreError.decoding(column: "tokens_in", value: "ten", type: _) = error else { return false }
            return true
        }
    }
}
