import Foundation
import Testing
import SluiceCore
import SluiceImport
import SluiceStore
import SluiceTestSupport

/// Imported events feed the projections: the machine / workspace / project hierarchy, and the
/// chat of both agents.
@Suite struct ImportProjectionsTests {
    @Test func claudeEventsCreateTheHierarchyAndCopilotEventsReachTheChat() async throws {
        let url = try await TestDatabase.fresh()
        let copy = try Fixtures.workingCopy()
        let sink = DatabaseSink(url: url)
        let claude = ClaudeImport(options: try Fixtures.options(), sink: sink)
        var positions: [String: WatchState.FilePosition] = [:]
        try await claude.pass(paths: [copy.root], positions: &positions, now: Fixtures.later)
        let copilot = CopilotImport(options: try Fixtures.options(), sink: sink)
        var seen: [String: WatchState.FilePosition] = [:]
        try await copilot.pass(paths: [Fixtures.copilotStorage], seen: &seen)
        await sink.close()

        let (projects, machines, workspaces, links, chatSessions, copilotChat) = try await TestDatabase.query(url) { conn throws(StoreError) in
            try catchUp(on: conn)
            return (
                try conn.execute("SELECT id, full_name FROM projects ORDER BY id").rows,
                try conn.execute("SELECT machine_id, hostname FROM machines ORDER BY 1").rows,
                try conn.execute("""
                    SELECT w.workspace_id, w.workspace_path, w.project_id, m.machine_id
                    FROM workspaces w JOIN machines m ON m.id = w.machine_id ORDER BY 1
                    """).rows,
                try conn.execute("""
                    SELECT m.machine_id, mp.project_id FROM machine_projects mp JOIN machines m ON m.id = mp.machine_id ORDER BY 1, 2
                    """).rows,
                try conn.execute("""
                    SELECT c.agent_type, w.workspace_id, count(*) FROM chat_sessions c JOIN workspaces w ON w.id = c.workspace_id
                    GROUP BY 1, 2 ORDER BY 1, 2
                    """).rows,
                try conn.execute("""
                    SELECT m.role, count(*) FROM chat_messages m JOIN agent_sessions s ON s.id = m.session_id
                    WHERE s.agent_id = 'github-copilot' GROUP BY 1 ORDER BY 1
                    """).rows)
        }
        #expect(projects == [["7", "project-7"]])
        #expect(machines == [["test-machine", "test-host"]])
        // Claude: `<machine>:<cwd>`; Copilot: `vscode:<storage hash>` with the folder of workspace.json.
        #expect(workspaces == [["test-machine:/home/dev/shop", "/home/dev/shop", "7", "test-machine"],
                               ["vscode:3f2a9c1e", "/home/dev/shop", "7", "test-machine"]])
        #expect(links == [["test-machine", "7"]])
        #expect(chatSessions.map { [$0[1], $0[2]] } == [["test-machine:/home/dev/shop", "3"], ["vscode:3f2a9c1e", "2"]])
        // Copilot: three prompts; two answers with text (the filtered one has none).
        #expect(copilotChat == [["assistant", "2"], ["user", "3"]])
    }
}
