import Foundation
import Testing
import SluiceCore
import SluiceImport
import SluiceProcess
import SluiceStore
import SluiceTestSupport

/// The `sluice import` command as a child process: its JSON summary, a second run, and
/// `--watch` following a growing file, stopped and restarted from its saved offsets.
@Suite struct ImportCommandTests {
    func start(_ arguments: [String], databaseURL: String, output: String) throws -> ChildProcess {
        try ChildProcess.spawn(
            [sluiceExecutable] + arguments, environment: ["DATABASE_URL": databaseURL, "LOG_LEVEL": "warning"],
            output: .file(output), errors: .discard)
    }

    func run(_ arguments: [String], databaseURL: String) async throws -> [String: Any] {
        let result = try await ChildProcess.run([sluiceExecutable] + arguments,
                                                environment: ["DATABASE_URL": databaseURL, "LOG_LEVEL": "warning"], errors: .discard)
        #expect(result.exit == .exited(0))
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    }

    @Test func importTwiceWithAJSONSummary() async throws {
        let url = try await TestDatabase.fresh()
        let copy = try Fixtures.workingCopy()
        try Fixtures.append(part2To: copy.growing)
        let args = ["import", "claude", copy.root, "--json", "--project-id", "7", "--machine-id", "m1"]
        let first = try await run(args, databaseURL: url)
        let totals = try #require(first["totals"] as? [String: Any])
        #expect(totals["costUSD"] as? String == "0.101522000")  // 26,404,500 + 74,150,000 + 967,500 nano-dollars
        #expect(totals["requests"] as? Int == 12)
        #expect((first["byDay"] as? [String: Any])?.keys.sorted() == ["2025-10-10", "2025-10-11", "2025-10-12"])
        #expect((first["problems"] as? [[String: Any]])?.map { $0["line"] as? Int } == [2, 4])
        let events = try #require(first["events"] as? Int)
        #expect(first["inserted"] as? Int == events)
        let second = try await run(args, databaseURL: url)
        #expect(second["inserted"] as? Int == 0)
        let copilot = try await run(["import", "copilot", Fixtures.copilotStorage, "--json"], databaseURL: url)
        #expect((copilot["totals"] as? [String: Any])?["estimatedRequests"] as? Int == 3)
    }

    /// `--prices` with LiteLLM's file (and `SLUICE_PRICES`, the same setting): the fast session
    /// costs what the bundled table makes it cost, the entries left out are said once on standard
    /// error, and a Claude entry that cannot be priced exactly stops the import, naming it.
    @Test func aLiteLLMPriceFileFromTheCommandLine() async throws {
        let url = try await TestDatabase.fresh()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID().uuidString).err").path
        let result = try await ChildProcess.run(
            [sluiceExecutable, "import", "claude", FastModeTests.file, "--json", "--prices", LiteLLMPricesTests.file],
            environment: ["DATABASE_URL": url, "LOG_LEVEL": "warning"], errors: .file(errors))
        #expect(result.exit == .exited(0))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect((summary["totals"] as? [String: Any])?["costUSD"] as? String == FastModeTests.expected.costUSD)
        #expect(summary["unpricedModels"] as? [String] == ["claude-sonnet-4-5-20250929 (fast)"])
        #expect(try String(contentsOfFile: errors, encoding: .utf8).contains(
            "warning: price file \(LiteLLMPricesTests.file): left out 1 entries that are not Claude or OpenAI models and cannot be priced exactly "
            + "(first: amazon.nova-2-pro-preview-20251202-v1:0: cache_read_input_token_cost 5.46875e-07 is not a whole number of nano-dollars per token)"))

        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("litellm-\(UUID().uuidString).json").path
        try #"{"claude-x": {"input_cost_per_token": 3.0000001e-06, "output_cost_per_token": 1.5e-05, "mode": "chat"}}"#
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try await ChildProcess.run(
            [sluiceExecutable, "import", "claude", FastModeTests.file, "--json"],
            environment: ["DATABASE_URL": url, "LOG_LEVEL": "warning", "SLUICE_PRICES": bad], errors: .file(errors))
        #expect(refused.exit != .exited(0))
        #expect(try String(contentsOfFile: errors, encoding: .utf8).contains("model claude-x: input_cost_per_token 3.0000001e-06 is not a whole number of nano-dollars per token"))
    }

    @Test func watchFollowsAGrowingFileAndResumesAfterARestart() async throws {
        let url = try await TestDatabase.fresh()
        let copy = try Fixtures.workingCopy()
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString).json").path
        let args = ["import", "claude", copy.root, "--watch", "--interval", "0.2", "--state", state, "--settle", "0", "--machine-id", "m1"]
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString).log").path
        func responses() async throws -> Int {
            Int(try await TestDatabase.query(url) { conn throws(StoreError) in
                try conn.execute("SELECT count(*) FROM agent_events WHERE event_type = 'llm_response'").scalar(String.self)
            } ?? "0") ?? 0
        }
        /// Waits until the watch has imported `n` responses and saved the offset `line` of the growing file.
        func waitFor(_ n: Int, line: Int) async throws {
            try await waitUntil("the watch imports \(n) responses") { try await responses() >= n }
            try await waitUntil("the watch saves line \(line) of the growing file") {
                (try? WatchState.load(path: state))?.files[copy.growing]?.line == line
            }
        }
        let watch = try start(args, databaseURL: url, output: log)
        try await waitFor(11, line: 4)  // A 4, B 6, C1 (the truncated line waits)
        watch.signal(SIGTERM)
        _ = await watch.wait()
        let saved = try WatchState.load(path: state)
        #expect(saved.files[copy.growing]?.line == 4)

        try Fixtures.append(part2To: copy.growing)
        let again = try start(args, databaseURL: url, output: log)
        try await waitFor(12, line: 6)  // C2
        again.signal(SIGTERM)
        _ = await again.wait()
        let (sessions, duplicates) = try await TestDatabase.query(url) { conn throws(StoreError) in
            (try conn.execute(ImportDatabaseTests.perSession).rows,
             try conn.execute("SELECT count(*) FROM (SELECT id FROM agent_events GROUP BY id HAVING count(*) > 1) d").scalar(String.self))
        }
        #expect(sessions == ImportDatabaseTests.expectedSessions)
        #expect(duplicates == "0")
        #expect(try WatchState.load(path: state).files[copy.growing]?.line == 6)
    }
}
