import Foundation
import Testing
import SluiceCore
@testable import SluiceStore
import SluiceTestSupport

/// The fact columns the writer fills (EventFacts) hold exactly what the SQL metric functions
/// read from the row's jsonb: the folds may take either (functions/sluice_fold_facts.sql).
@Suite struct EventFactsAgreementTests {
    static let numbers = ["0", "-0", "7", "-3", "5.0", "1.50", "0.0120", "12345678901234.5678", "8999999999999999",
                          "9000000000000000", "8999999999.5", "9000000000", "-9000000001", "1e3", "2.5E-2",
                          "0.1234567890123456789", "123456789012345678", "999999999999999999.5"]
    static let others = [#""12""#, #""x""#, #""é""#, #""ERROR""#, #""Failed""#, #""\u0046ailure""#, #""""#,
                         "true", "false", "null", "{}", #"[1]"#]
    static let metricKeys = ["inputTokens", "promptTokens", "outputTokens", "responseTokens", "cacheReadTokens",
                             "cacheCreationTokens", "cost", "costUSD", "durationMs", "model", "other"]
    static let dataKeys = ["toolName", "tool", "name", "model", "success", "status", "error", "outcome", "other"]
    static let types = ["llm_request", "llm_response", "tool_use", "tool_invocation", "test_run", "build_trigger", "file_read", "session_end"]

    static func object(_ keys: [String], _ rng: inout SeededGenerator) -> String {
        var members: [String] = []
        for _ in 0..<Int.random(in: 0...5, using: &rng) {
            var key = keys.randomElement(using: &rng)!
            if Int.random(in: 0..<40, using: &rng) == 0 { key = #"\u0063ost"# }  // an escaped key
            let value = Bool.random(using: &rng) ? numbers.randomElement(using: &rng)! : others.randomElement(using: &rng)!
            members.append("\"\(key)\": \(value)")
        }
        return "{" + members.joined(separator: ", ") + "}"
    }

    @Test func theColumnsHoldWhatTheMetricFunctionsRead() async throws {
        let seed = SeededGenerator.testSeed()
        var rng = SeededGenerator(seed: seed)
        var events: [AgentEvent] = []
        for i in 0..<3000 {
            events.append(AgentEvent(
                id: rng.uuid(), timestamp: Timestamp(microsecondsSinceEpoch: 1_764_000_000_000_000 + Int64(i) * 1000),
                eventType: Self.types.randomElement(using: &rng)!, agentId: "a", agentVersion: "1", sessionId: rng.uuid(), projectId: 1,
                context: try JSONText(Self.object(["model", "other"], &rng)), data: try JSONText(Self.object(Self.dataKeys, &rng)),
                metrics: Int.random(in: 0..<8, using: &rng) == 0 ? nil : try JSONText(Self.object(Self.metricKeys, &rng)),
                severity: [nil, .info, .error, .critical].randomElement(using: &rng)!))
        }
        var encoder = CopyBinaryEncoder()
        for e in events { encoder.append(e) }
        let stream = CopyBinaryEncoder.stream([encoder])
        let url = try await TestDatabase.fresh()
        let (counts, differing) = try await TestDatabase.query(url) { conn throws(StoreError) in
            _ = try EventWriter.write(stream, on: conn)
            let counts = try conn.execute("SELECT count(facts), count(*) - count(facts) FROM agent_events").rows[0]
            // Read every event with its facts, then again with the facts forgotten (as a row stored
            // before them): to the letter, numeric scales included.
            let read = "SELECT f::text FROM sluice_fold_facts('0'::xid8, pg_current_xact_id()) f"
            try conn.execute("CREATE TEMP TABLE with_facts AS \(read)")
            try conn.execute("UPDATE agent_events SET facts = NULL")
            let differing = try conn.execute("""
                (SELECT 'columns: ' || f FROM with_facts w(f) EXCEPT SELECT 'columns: ' || f FROM (\(read)) r(f))
                UNION ALL (SELECT 'jsonb:   ' || f FROM (\(read)) r(f) EXCEPT SELECT 'jsonb:   ' || f FROM with_facts w(f))
                ORDER BY 1 LIMIT 6
                """).rows.map { $0[0] ?? "" }
            return (counts, differing)
        }
        // Both readings are exercised: most events have facts, some are left to PostgreSQL.
        #expect(Int(counts[0] ?? "") ?? 0 > 1500, "seed \(seed)")
        #expect(Int(counts[1] ?? "") ?? 0 > 50, "seed \(seed)")
        #expect(differing.isEmpty, "seed \(seed): \(differing.joined(separator: "\n"))")
    }
}
