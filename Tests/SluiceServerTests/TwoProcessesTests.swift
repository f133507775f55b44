import Foundation
import SluiceCore
import SluiceProcess
import SluiceStore
import SluiceTestSupport
import Testing
@testable import SluiceProjections

#if canImport(Glibc)
import Glibc
#endif

/// Two `sluice serve` processes on one database, each ingesting and running its projector, with
/// the same events retried against both at once: afterwards the hourly rows equal a raw GROUP BY
/// of the log and every session equals the fold of its events.
@Suite struct TwoProcessesTests {
    static let kinds: [(String, String, String?)] = [
        ("session_start", "{}", nil), ("llm_request", #"{"model":"m"}"#, #"{"inputTokens":1200,"outputTokens":300,"cost":0.0042}"#),
        ("llm_response", #"{"response":"done"}"#, #"{"promptTokens":900,"responseTokens":40,"durationMs":2300,"cost":0.0031}"#),
        ("tool_use", #"{"toolName":"Bash","success":false}"#, #"{"durationMs":120}"#), ("tool_use", #"{"toolName":"Read"}"#, nil),
        ("file_read", "{}", #"{"durationMs":3}"#), ("error_encountered", "{}", nil), ("session_end", #"{"outcome":"success"}"#, nil),
    ]

    /// Rows that differ between `agent_events_hourly` and a raw GROUP BY of the log (either
    /// way), for this workload's metrics (`promptTokens`/`responseTokens` count as input/output).
    static let hourlyDifferences = """
        WITH projected AS (
            SELECT bucket, project_id, agent_id, event_type, event_count, error_count, duration_count, duration_sum_ms,
                   tokens_in, tokens_out, cost_usd, tool_failures FROM agent_events_hourly),
        raw AS (
            SELECT date_trunc('hour', "timestamp", 'UTC'), project_id, agent_id, event_type, count(*),
                   count(*) FILTER (WHERE event_type = 'error_encountered' OR severity = 'error'),
                   count(metrics -> 'durationMs'), sum((metrics ->> 'durationMs')::numeric),
                   coalesce(sum(coalesce((metrics ->> 'inputTokens')::numeric, (metrics ->> 'promptTokens')::numeric)), 0),
                   coalesce(sum(coalesce((metrics ->> 'outputTokens')::numeric, (metrics ->> 'responseTokens')::numeric)), 0),
                   coalesce(sum((metrics ->> 'cost')::numeric), 0),
                   count(*) FILTER (WHERE event_type = 'tool_use' AND (data ->> 'success' = 'false' OR severity = 'error'))
            FROM agent_events GROUP BY 1, 2, 3, 4)
        SELECT count(*) FROM ((TABLE projected EXCEPT TABLE raw) UNION ALL (TABLE raw EXCEPT TABLE projected)) d
        """

    /// Events of `sessions` sessions, as the server will store them, and their JSON.
    static func workload(sessions: Int, events: Int) -> [(AgentEvent, String)] {
        let ids = (0..<sessions).map { _ in UUID() }
        let base = Int64(Date().timeIntervalSince1970 * 1_000_000) - 3 * 3_600_000_000  // idle: ended
        return (0..<events).map { i in
            let s = i % sessions
            let (type, data, metrics) = kinds[(i / sessions) % kinds.count]
            let t = Timestamp(microsecondsSinceEpoch: base - Int64(s) * 600_000_000 + Int64(i) * 1_000)
            let e = AgentEvent(
                id: UUID(), timestamp: t, eventType: type, agentId: s % 2 == 0 ? "claude-code" : "cursor", agentVersion: "1",
                sessionId: ids[s], projectId: Int32(s % 3 + 1), data: try! JSONText(data), metrics: metrics.map { try! JSONText($0) },
                severity: i % 13 == 0 ? .error : nil)
            var json = #"{"id":"\#(e.id.lowercased)","timestamp":"\#(t.rfc3339)","eventType":"\#(type)","agentId":"\#(e.agentId)","#
                + #""agentVersion":"1","sessionId":"\#(e.sessionId.lowercased)","projectId":\#(e.projectId),"data":\#(data)"#
            if let metrics { json += #","metrics":\#(metrics)"# }
            if e.severity != nil { json += #","severity":"error""# }
            return (e, json + "}")
        }
    }

    @Test func twoProcessesIngestAndProjectExactlyOnce() async throws {
        let db = try await TestDatabase.fresh()
        let fast = ["SLUICE_PROJECTION_INTERVAL_MS": "20"]
        let a = try await ServeProcess(databaseURL: db, environment: fast)
        let b = try await ServeProcess(databaseURL: db, environment: fast)
        let workload = Self.workload(sessions: 9, events: 3_000)
        let bodies = stride(from: 0, to: workload.count, by: 100).map { start in
            Events.array(workload[start..<min(start + 100, workload.count)].map(\.1))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, body) in bodies.enumerated() {
                group.addTask {
                    let first = i % 2 == 0 ? a.port : b.port
                    // Every third batch is also retried against the other process at the same time.
                    if i % 3 == 0 {
                        async let again = post(port: first == a.port ? b.port : a.port, body)
                        let one = try await post(port: first, body), other = try await again
                        #expect(one.status == 200 && other.status == 200)
                    } else {
                        let one = try await post(port: first, body)
                        #expect(one.status == 200)
                    }
                }
            }
            try await group.waitForAll()
        }
        let expected = Dictionary(grouping: workload.map(\.0), by: \.sessionId).compactMapValues { SessionFold.fold($0) }
        let total = String(workload.count)
        var seen: [String?] = []
        for _ in 0..<600 {
            seen = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("""
                    SELECT (SELECT count(*)::text FROM agent_events), (SELECT sum(event_count)::text FROM agent_events_hourly),
                           (SELECT sum((metrics->>'events')::int)::text FROM agent_sessions)
                    """).rows[0]
            }
            if seen == [total, total, total] { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(seen == [total, total, total])
        let (hourlyDifferences, sessionDifferences) = try await TestDatabase.query(db) { conn throws(StoreError) in
            let hourly = try conn.execute(Self.hourlyDifferences).scalar(String.self)
            let now = try conn.execute("SELECT now()::text").value(Timestamp.self)
            try conn.execute("CREATE TEMP TABLE expected (LIKE agent_sessions)")
            for s in expected.values {
                try conn.execute("INSERT INTO expected (\(SessionRow.columns)) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
                                 SessionRow.parameters(s, now: now, idleTimeout: .seconds(1800)))
            }
            let sessions = try conn.execute("""
                SELECT count(*) FROM (
                    (SELECT \(SessionRow.columns) FROM agent_sessions EXCEPT SELECT \(SessionRow.columns) FROM expected)
                    UNION ALL
                    (SELECT \(SessionRow.columns) FROM expected EXCEPT SELECT \(SessionRow.columns) FROM agent_sessions)) d
                """).scalar(String.self)
            return (hourly, sessions)
        }
        #expect(hourlyDifferences == "0")
        #expect(sessionDifferences == "0")
        a.signal(SIGTERM)
        b.signal(SIGTERM)
        let exits = (try await a.wait(), try await b.wait())
        #expect(exits == (.exited(0), .exited(0)), "\(a.log)\n\(b.log)")
    }
}
