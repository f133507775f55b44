import Foundation
import Testing
import SluiceCore
import SluiceImport
import SluiceStore
import SluiceTestSupport

/// The same request in two files counts once, with the larger copy, whatever the order of the
/// files and whether they come in one run or several; and runs over different files of one
/// session store the events of one run over all of them.
@Suite struct CopiesAndRunsTests {
    static let sessionF = "0a1b2c3d-0000-4000-8000-00000000000f"
    // msg_01F1/req_011F1 (Sonnet 4.5): the smaller copy 100/50, the larger 200/100 →
    // 200 · 3000 + 100 · 15000 = 2,100,000.
    static let expectedF = UsageTotals(requests: 1, input: 200, output: 100, costNanoUSD: 2_100_000)

    /// The two copies in a fresh folder, the smaller one in the file that sorts `smallerFirst` or last.
    static func copies(smallerFirst: Bool) throws -> (smaller: String, larger: String) {
        let dir = try CutPointTests.temporaryDirectory("copies")
        let smaller = dir + (smallerFirst ? "/a.jsonl" : "/b.jsonl"), larger = dir + (smallerFirst ? "/b.jsonl" : "/a.jsonl")
        try FileManager.default.copyItem(atPath: Fixtures.root + "/claude/copies/a-smaller.jsonl", toPath: smaller)
        try FileManager.default.copyItem(atPath: Fixtures.root + "/claude/copies/b-larger.jsonl", toPath: larger)
        return (smaller, larger)
    }

    static func importRun(_ paths: [String], into url: String, state: inout WatchState) async throws -> ImportStats {
        let sink = DatabaseSink(url: url)
        let run = ClaudeImport(options: try Fixtures.options(), sink: sink, state: state.claude)
        try await run.pass(paths: paths, positions: &state.files, now: Fixtures.later)
        state.claude = run.mapper.state
        await sink.close()
        return run.stats
    }

    /// Requests, tokens and cost of session F as stored, and as the session projection folds them.
    static func storedF(_ url: String) async throws -> ([String?], [String?]) {
        try await TestDatabase.query(url) { conn throws(StoreError) in
            try catchUp(on: conn)
            let log = try conn.execute("""
                SELECT count(*) FILTER (WHERE event_type = 'llm_request'), sum((metrics->>'inputTokens')::bigint),
                       sum((metrics->>'outputTokens')::bigint), sum((metrics->>'costUSD')::numeric)::text
                FROM agent_events WHERE session_id = $1::uuid
                """, [sessionF]).rows[0]
            let session = try conn.execute("""
                SELECT metrics->>'llmRequests', metrics->>'inputTokens', metrics->>'outputTokens', (metrics->>'costUSD')::numeric(20, 9)::text
                FROM agent_sessions WHERE id = $1::uuid
                """, [sessionF]).rows[0]
            return (log, session)
        }
    }

    static let expectedRows: ([String?], [String?]) = (["1", "200", "100", "0.002100000"], ["1", "200", "100", "0.002100000"])

    @Test(arguments: [true, false])
    func theLargerCopyWinsInOneRun(smallerFirst: Bool) async throws {
        let files = try Self.copies(smallerFirst: smallerFirst)
        let url = try await TestDatabase.fresh()
        var state = WatchState()
        let stats = try await Self.importRun([files.smaller, files.larger], into: url, state: &state)
        #expect(stats.bySession[Self.sessionF] == Self.expectedF)
        #expect(stats.duplicateRequests == 1)
        #expect(try await Self.storedF(url) == Self.expectedRows)
    }

    @Test(arguments: [true, false])
    func theLargerCopyWinsOverTwoWatchedRuns(smallerRunFirst: Bool) async throws {
        let files = try Self.copies(smallerFirst: true)
        let url = try await TestDatabase.fresh()
        var state = WatchState()
        let order = smallerRunFirst ? [files.smaller, files.larger] : [files.larger, files.smaller]
        let first = try await Self.importRun([order[0]], into: url, state: &state)
        let second = try await Self.importRun([order[1]], into: url, state: &state)
        #expect(first.totals.outputTokens + second.totals.outputTokens == 100)
        #expect(first.totals.costNanoUSD + second.totals.costNanoUSD == Self.expectedF.costNanoUSD)
        #expect(try await Self.storedF(url) == Self.expectedRows)
    }

    /// Without saved state: the smaller copy alone, then both (a one-shot import run again once
    /// the other file exists).
    @Test func theLargerCopyWinsWhenARunWithoutStateReadsBoth() async throws {
        let files = try Self.copies(smallerFirst: true)
        let url = try await TestDatabase.fresh()
        var first = WatchState(), second = WatchState()
        _ = try await Self.importRun([files.smaller], into: url, state: &first)
        let both = try await Self.importRun([files.smaller, files.larger], into: url, state: &second)
        #expect(both.bySession[Self.sessionF] == Self.expectedF)
        #expect(try await Self.storedF(url) == Self.expectedRows)
    }

    /// Session B's main transcript in one run, its subagent's in another (each without saved
    /// state, and as a watch): the events of one run over both, one `session_start`.
    @Test(arguments: [false, true])
    func aMainFileAndItsSubagentFileInTwoRunsStoreTheEventsOfOne(watch: Bool) async throws {
        let copy = try Fixtures.workingCopy()
        let main = copy.root + "/-home-dev-shop/\(Fixtures.sessionB).jsonl"
        let subagent = copy.root + "/-home-dev-shop/\(Fixtures.sessionB)/subagents/agent-a1f3.jsonl"
        let everything = "SELECT id::text, \"timestamp\"::text, event_type FROM agent_events ORDER BY 1, 2"
        let onceURL = try await TestDatabase.fresh()
        var onceState = WatchState()
        _ = try await Self.importRun([main, subagent], into: onceURL, state: &onceState)
        let once = try await TestDatabase.query(onceURL) { conn throws(StoreError) in try conn.execute(everything).rows }
        #expect(once.filter { $0[2] == "session_start" }.count == 1)
        for order in [[main, subagent], [subagent, main]] {
            let url = try await TestDatabase.fresh()
            var state = WatchState()
            _ = try await Self.importRun([order[0]], into: url, state: &state)
            if !watch { state = WatchState() }
            _ = try await Self.importRun([order[1]], into: url, state: &state)
            let rows = try await TestDatabase.query(url) { conn throws(StoreError) in try conn.execute(everything).rows }
            #expect(rows == once, "\(order.map { ($0 as NSString).lastPathComponent })")
        }
    }
}
