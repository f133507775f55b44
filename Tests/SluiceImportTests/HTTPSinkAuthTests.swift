import Foundation
import Testing
import SluiceCore
import SluiceImport
import SluiceStore
import SluiceTestSupport

/// `--url` with `--key` against a server that requires keys: a project key stores the import in
/// its project; a wrong key fails at once with what to do, and stores nothing.
@Suite struct HTTPSinkAuthTests {
    @Test func aProjectKeyStoresTheImportAndAWrongKeyIsRefusedClearly() async throws {
        let url = try await TestDatabase.fresh()
        let created = try await TestDatabase.query(url) { conn throws(StoreError) in
            try APIKeys.create(name: "importer", projectName: "acme/shop", admin: false, on: conn)
        }
        let project = try #require(created.record.projectId)
        let server = try await InProcessServer.start(databaseURL: url)
        let copy = try Fixtures.workingCopy()
        var options = try Fixtures.options()
        options.projectId = project

        let wrong = HTTPSink(url: "http://127.0.0.1:\(server.port)", key: "slc_not-a-key")
        let refused = ClaudeImport(options: options, sink: wrong)
        var positions: [String: WatchState.FilePosition] = [:]
        do {
            try await refused.pass(paths: [copy.root], positions: &positions, now: Fixtures.later)
            Issue.record("a wrong key was accepted")
        } catch let error as ImportError {
            #expect(error.message.contains("refused the key (401)"))
            #expect(error.message.contains("--key or SLUICE_API_KEY"))
        }
        #expect(positions.isEmpty)  // nothing counts as imported
        await wrong.close()

        let sink = HTTPSink(url: "http://127.0.0.1:\(server.port)", key: created.key)
        let run = ClaudeImport(options: options, sink: sink)
        try await run.pass(paths: [copy.root], positions: &positions, now: Fixtures.later)
        #expect(run.rejected.isEmpty)
        await sink.close()
        await server.stop()
        let stored = try await TestDatabase.query(url) { conn throws(StoreError) in
            try conn.execute("SELECT project_id, count(DISTINCT id) FROM agent_events GROUP BY 1").rows
        }
        #expect(stored == [["\(project)", "\(run.stats.events)"]])
    }
}
