import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceIngest

/// Six submissions coalesced into one COPY batch, one of them holding rows the database refuses:
/// that submission alone hears of them; every other row of the batch is stored.
@Suite struct PipelineIsolationTests {
    @Test func eachSubmissionHearsOnlyOfItsOwnRefusedRows() async throws {
        let db = try await TestDatabase.fresh()
        _ = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("ALTER TABLE agent_events ADD CONSTRAINT test_poison CHECK (agent_id <> 'poison')")
        }
        let pool = ConnectionPool(url: db, size: 1)
        // Sealed only when all 30 rows are queued: the timer is far off.
        let pipeline = IngestPipeline(pool: pool, configuration: IngestConfiguration(maxBatchEvents: 30, flushInterval: .seconds(600), writers: 1))
        let submissions: [CopyBinaryEncoder] = (0..<6).map { s in
            var rows = CopyBinaryEncoder()
            for i in 0..<5 {
                rows.append(AgentEvent(timestamp: Timestamp(microsecondsSinceEpoch: 1_800_000_000_000_000), eventType: "tool_use",
                                       agentId: (s == 2 && (i == 1 || i == 4)) ? "poison" : "claude-code",
                                       agentVersion: "1", sessionId: UUID(), projectId: 1))
            }
            return rows
        }
        let answers = try await withThrowingTaskGroup(of: (Int, [Int]).self) { group in
            for (i, rows) in submissions.enumerated() {
                group.addTask { (i, try await pipeline.submit(rows).map(\.row)) }
            }
            return try await group.reduce(into: [Int: [Int]]()) { $0[$1.0] = $1.1 }
        }
        await pipeline.shutdown()
        await pool.shutdown()
        #expect(answers == [0: [], 1: [], 2: [1, 4], 3: [], 4: [], 5: []])
        let stored = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self)
        }
        #expect(stored == "28")
    }
}
