import Foundation
import SluiceCore
import SluiceImport
import SluiceStore
import SluiceTestSupport
import Testing

/// An import straight into the database redacts as the server does, and a second import of the
/// same events stores nothing: redaction does not change ids.
@Suite struct ImportRedactionTests {
    static let id = UUID(uuidString: "0190c1a0-0000-7000-8000-00000000abcd")!

    @Test func importedEventsAreRedactedAndAnImportAgainStoresNothing() async throws {
        let db = try await TestDatabase.fresh()
        let event = AgentEvent(
            id: Self.id, timestamp: Timestamp(microsecondsSinceEpoch: 1_764_000_000_000_000), eventType: "tool_use",
            agentId: "claude-code", agentVersion: "2.0", sessionId: UUID(), projectId: 1,
            context: try JSONText(#"{"cwd":"/w"}"#), data: try JSONText(#"{"output":"DATABASE_URL=postgres://app:hunter22@db/app"}"#))
        let sink = DatabaseSink(url: db)
        let first = try await sink.send([event])
        let second = try await sink.send([event])
        await sink.close()
        #expect(first.inserted == 1 && second.inserted == 0)
        #expect(first.redacted == ["connection-string-password": 1])
        #expect(try await TestDatabase.query(db) { conn throws(StoreError) in try conn.execute("SELECT data::text FROM agent_events").rows }.map { $0[0] } == [#"{"output": "DATABASE_URL=postgres://app:[REDACTED:connection-string-password]@db/app"}"#])
    }
}
