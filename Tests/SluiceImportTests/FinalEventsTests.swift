import Foundation
import Testing
import SluiceCore
import SluiceImport
import SluiceStore
import SluiceTestSupport

/// Every stored event is final: importing a file while it is still being written, long after
/// its last line (every session idle), then again once it has grown, stores exactly what one
/// import of the whole file stores. Nothing is lost, nothing stored twice.
@Suite struct FinalEventsTests {
    static let sessionD = "0a1b2c3d-0000-4000-8000-00000000000d"
    static let everything = """
        SELECT id::text, "timestamp"::text, event_type, data::text, coalesce(metrics::text, '') FROM agent_events ORDER BY 1, 2
        """

    /// A fresh copy of `growing-tool/part1.jsonl` (a tool call whose result is in part 2).
    static func growingToolFile() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-final-\(UUID().uuidString.prefix(8))/projects/-home-dev-shop").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/\(sessionD).jsonl"
        try FileManager.default.copyItem(atPath: Fixtures.root + "/claude/growing-tool/part1.jsonl", toPath: path)
        return path
    }

    static func append(_ text: Data, to path: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: text)
        try h.close()
    }

    func importClaude(_ path: String, into url: String, positions: inout [String: WatchState.FilePosition],
                      state: inout ClaudeMapperState) async throws -> ImportStats {
        let sink = DatabaseSink(url: url)
        let run = ClaudeImport(options: try Fixtures.options(), sink: sink, state: state)
        try await run.pass(paths: [path], positions: &positions, now: Fixtures.later)
        state = run.mapper.state
        await sink.close()
        return run.stats
    }

    func rows(_ url: String) async throws -> [[String?]] {
        try await TestDatabase.query(url) { conn throws(StoreError) in try conn.execute(Self.everything).rows }
    }

    @Test func aToolResultAfterAnIdlePauseIsStoredAndTotalsEqualOneImport() async throws {
        let part2 = try Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/claude/growing-tool/part2.jsonl"))
        // Watch-like: one state carried from the first import to the second.
        let watched = try await TestDatabase.fresh()
        let file = try Self.growingToolFile()
        var positions: [String: WatchState.FilePosition] = [:], state = ClaudeMapperState()
        let first = try await importClaude(file, into: watched, positions: &positions, state: &state)
        #expect(first.pendingToolCalls == 1)  // Bash waits for its result, however idle the session
        #expect(first.eventsByType["tool_use"] == nil && first.eventsByType["session_end"] == nil)
        try Self.append(part2, to: file)
        let second = try await importClaude(file, into: watched, positions: &positions, state: &state)
        #expect(second.pendingToolCalls == 0)

        // Two one-shot imports (no saved state): the second reads the grown file from the start.
        let twice = try await TestDatabase.fresh()
        let file2 = try Self.growingToolFile()
        var p2: [String: WatchState.FilePosition] = [:], s2 = ClaudeMapperState()
        _ = try await importClaude(file2, into: twice, positions: &p2, state: &s2)
        try Self.append(part2, to: file2)
        p2 = [:]; s2 = ClaudeMapperState()
        _ = try await importClaude(file2, into: twice, positions: &p2, state: &s2)

        // One import of the whole file.
        let once = try await TestDatabase.fresh()
        var p3: [String: WatchState.FilePosition] = [:], s3 = ClaudeMapperState()
        let whole = try await importClaude(file, into: once, positions: &p3, state: &s3)
        // D1 in 10, out 30, cr 1000 → 780,000; D2 in 20, out 15, cr 1100 → 615,000; D3 in 25, out 12, cr 1200 → 615,000.
        #expect(whole.bySession[Self.sessionD] == UsageTotals(requests: 3, input: 55, output: 57, cacheRead: 3300, costNanoUSD: 2_010_000))

        let expected = try await rows(once)
        #expect(try await rows(watched) == expected)
        #expect(try await rows(twice) == expected)
        let (tools, ends) = try await TestDatabase.query(watched) { conn throws(StoreError) in
            (try conn.execute("""
                SELECT data->>'toolUseId', data->>'success', data->>'status', metrics->>'durationMs'
                FROM agent_events WHERE event_type = 'tool_use' ORDER BY 1
                """).rows,
             try conn.execute("SELECT count(*) FROM agent_events WHERE event_type = 'session_end'").scalar(String.self))
        }
        // The Bash call has its result; the Read call got none before the next request started.
        #expect(tools == [["toolu_01D1", "true", nil, "37000"], ["toolu_01D2", nil, "no_result", nil]])
        #expect(ends == "0")
    }

    @Test func aCopilotRequestAnsweredAfterAnIdlePauseIsStoredOnce() async throws {
        let lines = [
            #"{"kind":0,"v":{"sessionId":"c3000000-0000-4000-8000-000000000003","creationDate":1760169600000,"requests":[]}}"#,
            #"{"kind":2,"k":["requests"],"v":[{"requestId":"r1","timestamp":1760169605000,"message":{"text":"Explain cart.py"},"response":[],"modelId":"copilot/gpt-4.1"}]}"#,
            #"{"kind":2,"k":["requests",0,"response"],"v":[{"value":"It sums the line items."}]}"#,
        ]
        let result = #"{"kind":1,"k":["requests",0,"result"],"v":{"timings":{"firstProgress":300,"totalElapsed":2500},"metadata":{}}}"#
        func sessionFile() throws -> String {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-copilot-\(UUID().uuidString.prefix(8))/ws/chatSessions").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let path = dir + "/c3.jsonl"
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        func importCopilot(_ path: String, into url: String, seen: inout [String: WatchState.FilePosition]) async throws -> ImportStats {
            let sink = DatabaseSink(url: url)
            let run = CopilotImport(options: try Fixtures.options(), sink: sink)
            try await run.pass(paths: [path], seen: &seen)
            await sink.close()
            return run.stats
        }
        let grown = try await TestDatabase.fresh()
        let file = try sessionFile()
        var seen: [String: WatchState.FilePosition] = [:]
        let first = try await importCopilot(file, into: grown, seen: &seen)
        #expect(first.pendingRequests == 1)
        #expect(first.eventsByType.keys.sorted() == ["session_start", "user_interaction"])
        try Self.append(Data((result + "\n").utf8), to: file)
        _ = try await importCopilot(file, into: grown, seen: &seen)

        let once = try await TestDatabase.fresh()
        var fresh: [String: WatchState.FilePosition] = [:]
        let whole = try await importCopilot(file, into: once, seen: &fresh)
        #expect(whole.pendingRequests == 0 && whole.totals.requests == 1)
        let expected = try await rows(once)
        #expect(try await rows(grown) == expected)
        let responses = try await TestDatabase.query(grown) { conn throws(StoreError) in
            try conn.execute("SELECT count(*) FROM agent_events WHERE event_type = 'llm_response'").scalar(String.self)
        }
        #expect(responses == "1")
    }
}
