import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

@Suite struct HierarchyAndChatTests {
    static func event(_ type: String, session: UUID, project: Int32 = 7, at seconds: Int64, context: String = "{}", data: String = "{}", metrics: String? = nil) -> AgentEvent {
        AgentEvent(id: UUID(), timestamp: Timestamp(microsecondsSinceEpoch: 1_790_000_000_000_000 + seconds * 1_000_000), eventType: type,
                   agentId: "claude-code", agentVersion: "2", sessionId: session, projectId: project,
                   context: try! JSONText(context), data: try! JSONText(data), metrics: metrics.map { try! JSONText($0) })
    }

    static func write(_ events: [AgentEvent], _ conn: PostgresConnection) throws(StoreError) {
        _ = try EventWriter.write(HourlyProjectionTests.stream(events), on: conn)
    }

    @Test func hierarchyComesFromContextWithExplicitUnknowns() async throws {
        let db = try await TestDatabase.fresh()
        let s = UUID()
        let rows = try await TestDatabase.query(db) { conn throws(StoreError) in
            try Self.write([
                Self.event("tool_use", session: s, at: 0, context: #"{"machineId":"mac-1","hostname":"mac","osType":"darwin","workspaceId":"ws-9","cwd":"/w","gitBranch":"main"}"#),
                Self.event("tool_use", session: s, at: 1),
                Self.event("tool_use", session: s, project: 3, at: 2, context: #"{"machineId":5,"workspaceId":77}"#),
            ], conn)
            try catchUp(on: conn)
            return (try conn.execute("SELECT id, name FROM projects ORDER BY id").rows,
                    try conn.execute("SELECT machine_id, hostname, os_type FROM machines ORDER BY machine_id").rows,
                    try conn.execute("""
                        SELECT w.workspace_id, w.project_id, m.machine_id, w.workspace_path, w.branch
                        FROM workspaces w JOIN machines m ON m.id = w.machine_id ORDER BY 1
                        """).rows,
                    try conn.execute("SELECT count(*) FROM machine_projects").scalar(String.self),
                    try conn.execute("INSERT INTO projects (name, full_name, repo_name) VALUES ('n', 'n', 'n') RETURNING id").scalar(String.self))
        }
        #expect(rows.0 == [["3", "project-3"], ["7", "project-7"]])
        #expect(rows.1 == [["mac-1", "mac", "darwin"], ["unknown", "unknown", ""]])
        #expect(rows.2 == [["unknown:3", "3", "unknown", "", nil], ["unknown:7", "7", "unknown", "", nil], ["ws-9", "7", "mac-1", "/w", "main"]])
        #expect(rows.3 == "3")
        #expect(rows.4 == "8")  // the id sequence moved past the placeholders
    }

    @Test func chatMessagesAreOrderedSearchableAndRebuildable() async throws {
        let db = try await TestDatabase.fresh()
        let s = UUID()
        let early = [
            Self.event("user_interaction", session: s, at: 10, context: #"{"workspaceId":"ws-1"}"#, data: #"{"prompt":"Why does the parser reject NUL bytes?"}"#),
            Self.event("llm_response", session: s, at: 20, data: #"{"response":"PostgreSQL text cannot store NUL characters.","model":"claude-sonnet-4-5"}"#, metrics: #"{"inputTokens":100,"outputTokens":40}"#),
        ]
        let late = [
            Self.event("user_interaction", session: s, at: 5, data: #"{"prompt":"Open the JSON scanner"}"#),  // arrives later, belongs first
            Self.event("llm_response", session: s, at: 30, data: #"{"content":"Done.","model":"claude-haiku-4-5"}"#, metrics: #"{"outputTokens":2}"#),
            Self.event("session_end", session: s, at: 40),
            Self.event("tool_use", session: s, at: 25, data: #"{"toolName":"Read"}"#),  // no message
        ]
        let (incremental, session, search, rebuilt, rebuiltSession, vectors) = try await TestDatabase.query(db) { conn throws(StoreError) in
            try Self.write(early, conn)
            try catchUp(on: conn)
            try Self.write(late, conn)
            try catchUp(on: conn)
            let messages = "SELECT sequence, role, content FROM chat_messages ORDER BY sequence"
            let incremental = try conn.execute(messages).rows
            let sessionQuery = """
                SELECT c.message_count, c.total_tokens, c.model_id, c.agent_type, w.workspace_id, c.started_at = to_timestamp(1790000005), c.ended_at = to_timestamp(1790000040)
                FROM chat_sessions c JOIN workspaces w ON w.id = c.workspace_id
                """
            let session = try conn.execute(sessionQuery).rows
            let search = try Queries.searchChat("NUL characters", Queries.Filter(), limit: 10, on: conn)
            // The vector is written with the message, and renumbering keeps it (it is not generated).
            let stale = "SELECT count(*) FROM chat_messages WHERE search_vector IS DISTINCT FROM to_tsvector('english', coalesce(search_content, ''))"
            let staleVectors = try conn.execute(stale).scalar(String.self)
            _ = try Projector.rebuild(on: conn)
            try catchUp(on: conn)
            return (incremental, session, search, try conn.execute(messages).rows, try conn.execute(sessionQuery).rows,
                    [staleVectors, try conn.execute(stale).scalar(String.self)])
        }
        #expect(vectors == ["0", "0"])
        #expect(incremental == [
            ["1", "user", "Open the JSON scanner"], ["2", "user", "Why does the parser reject NUL bytes?"],
            ["3", "assistant", "PostgreSQL text cannot store NUL characters."], ["4", "assistant", "Done."],
        ])
        #expect(session == [["4", "142", "claude-haiku-4-5", "claude-code", "ws-1", "t", "t"]])
        #expect(rebuilt == incremental)
        #expect(rebuiltSession == session)
        #expect(search.contains("<b>NUL</b>") && search.contains(s.lowercased))
        #expect(!search.contains("Open the JSON scanner"))
    }
}

extension HierarchyAndChatTests {
    /// The log's key is (id, timestamp): an id sent again with another timestamp is stored as a
    /// second event, but it is one chat message, counted once, in a step and in a rebuild alike.
    @Test func anIdSentAgainWithAnotherTimestampIsOneMessage() async throws {
        let db = try await TestDatabase.fresh()
        let s = UUID()
        let prompt = Self.event("user_prompt", session: s, at: 10, data: #"{"prompt":"rename the parser"}"#, metrics: #"{"inputTokens":4}"#)
        let again = { var e = prompt; e.timestamp = Timestamp(microsecondsSinceEpoch: prompt.timestamp.microsecondsSinceEpoch + 5_000_000); return e }()
        let answer = Self.event("llm_response", session: s, at: 12, data: #"{"response":"done"}"#, metrics: #"{"outputTokens":6}"#)
        let query = "SELECT c.message_count, c.total_tokens, (SELECT count(*) FROM chat_messages m WHERE m.session_id = c.session_id) FROM chat_sessions c"
        let (stepwise, sameStep, rebuilt) = try await TestDatabase.query(db) { conn throws(StoreError) in
            try Self.write([prompt, answer], conn)
            try catchUp(on: conn)
            try Self.write([again], conn)  // a later step
            try catchUp(on: conn)
            let stepwise = try conn.execute(query).rows
            _ = try Projector.rebuild(on: conn)  // all three in one step
            try catchUp(on: conn)
            let rebuilt = try conn.execute(query).rows
            let content = try conn.execute("SELECT \"timestamp\" = $1::timestamptz FROM chat_messages WHERE id = $2::uuid",
                                           [prompt.timestamp.rfc3339, prompt.id.lowercased]).scalar(String.self)
            return (stepwise, content, rebuilt)
        }
        #expect(stepwise == [["2", "10", "2"]])
        #expect(rebuilt == stepwise)
        #expect(sameStep == "t", "the first stored copy is the message")
    }
}
