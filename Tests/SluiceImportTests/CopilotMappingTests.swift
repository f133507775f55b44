import Foundation
import Testing
import SluiceCore
@testable import SluiceImport

@Suite struct CopilotMappingTests {
    func run() async throws -> (ImportStats, [AgentEvent]) {
        let sink = CollectingSink()
        let importer = CopilotImport(options: try Fixtures.options(), sink: sink)
        var seen: [String: WatchState.FilePosition] = [:]
        try await importer.pass(paths: [Fixtures.copilotStorage], seen: &seen)
        return (importer.stats, await sink.events)
    }

    @Test func sessionsRequestsToolsAndEstimatedTokens() async throws {
        let (stats, events) = try await run()
        #expect(stats.files == 2)
        #expect(stats.sessions.count == 2)
        // Estimates, ⌈characters / 4⌉: "Why is the cart total wrong?" 28 → 7; the two text parts,
        // 73 characters → 19; "Write a test for it" 19 → 5 (no response: 0);
        // "Rename total to cart_total" 26 → 7; "Renamed it in cart.py and its tests." 36 → 9.
        var first = UsageTotals(requests: 2, input: 12, output: 19)
        first.estimatedRequests = 2
        var second = UsageTotals(requests: 1, input: 7, output: 9)
        second.estimatedRequests = 1
        #expect(stats.bySession["5b6c7d8e-0000-4000-8000-0000000000c1"] == first)
        #expect(stats.bySession["9e8d7c6b-0000-4000-8000-0000000000c2"] == second)
        let responses = events.filter { $0.eventType == "llm_response" }
        #expect(responses.count == 3)
        #expect(responses.allSatisfy { $0.metrics?.bool("tokensEstimated") == true })
        let r1 = try #require(responses.first { $0.data.string("requestId") == "request_1a" })
        #expect(r1.data.string("response") == "The coupon is applied even when it is missing. Guard it with `if coupon`.")
        #expect(r1.metrics?.number("durationMs") == 4200)
        #expect(r1.metrics?.number("timeToFirstTokenMs") == 850)
        #expect(r1.data.string("model") == "claude-sonnet-4.5")
        #expect(r1.timestamp.microsecondsSinceEpoch == (1_760_083_210_000 + 4200) * 1000)
        #expect(r1.context.string("workspacePath") == "/home/dev/shop")
        #expect(r1.context.string("workspaceId") == "vscode:3f2a9c1e")
        #expect(r1.agentId == "github-copilot")
        let tools = events.filter { $0.eventType == "tool_use" }
        #expect(tools.map { $0.data.string("toolName") ?? "" }.sorted() == ["copilot_readFile", "copilot_replaceString"])
        #expect(events.filter { $0.eventType == "file_read" }.count == 1)
        #expect(events.filter { $0.eventType == "file_modify" }.count == 1)
        #expect(events.filter { $0.eventType == "error_encountered" }.map { $0.data.string("message") } == ["Sorry, the response was filtered."])
        #expect(events.filter { $0.eventType == "user_interaction" }.count == 3)
        // The .jsonl operation log: its model came from a `kind: 1` set, and its bad line is reported.
        #expect(events.first { $0.data.string("requestId") == "request_2a" && $0.eventType == "llm_request" }?.data.string("model") == "gpt-4.1")
        #expect(stats.problems.map(\.line) == [6])
        // Never priced, and said so: no cost is counted as zero.
        #expect(stats.unpricedRequests == 3 && stats.unpricedCopilotRequests == 3)
        #expect(stats.unpricedModels == ["claude-sonnet-4.5", "gpt-4.1"])
        #expect(responses.allSatisfy { $0.metrics?.fixedPoint("costUSD", scale: 9) == nil })
        #expect(ImportReport.text(stats, inserted: nil, rejected: [], sink: "x").contains("not included: 3 requests without a price, models claude-sonnet-4.5, gpt-4.1; Copilot requests are never priced"))
        #expect(stats.problems.first?.file.hasSuffix("9e8d7c6b-0000-4000-8000-0000000000c2.jsonl") == true)
    }

    @Test func importingTwiceGivesTheSameEvents() async throws {
        let (_, a) = try await run()
        let (_, b) = try await run()
        #expect(!a.isEmpty, "the fixtures map to events")
        #expect(a == b)
    }

    /// Copilot 0.37.x records a request's token counts in its result: they are used, not
    /// estimated, and the files a request edited are named on its file_modify events.
    @Test func recordedUsageAndEditedFilesAreKept() throws {
        let loaded = try CopilotSessionFile.load(Data("""
            {"version":3,"sessionId":"s2","creationDate":1000,"requests":[{"requestId":"r1","timestamp":2000,\
            "message":{"text":"fix it"},"modelId":"copilot/gpt-4.1",\
            "response":[{"kind":"toolInvocationSerialized","toolId":"copilot_replaceString","toolCallId":"c1","isComplete":true,\
            "invocationMessage":"Editing","pastTenseMessage":"Edited"},\
            {"kind":"textEditGroup","uri":{"$mid":1,"fsPath":"/w/src/a.swift","path":"/w/src/a.swift","scheme":"file"},"edits":[]},\
            {"kind":"codeblockUri","uri":{"$mid":1,"fsPath":"/w/src/a.swift","path":"/w/src/a.swift","scheme":"file"}},\
            {"kind":"markdownContent","content":{"value":"Done."}}],\
            "result":{"timings":{"totalElapsed":1200,"firstProgress":300},"usage":{"promptTokens":9723,"completionTokens":33}}}]}
            """.utf8), jsonl: false)
        var events: [AgentEvent] = [], stats = ImportStats()
        let mapper = CopilotMapper(options: try Fixtures.options())
        mapper.map(session: loaded.session, fileName: "s2.json", workspace: .init(storageHash: nil, folder: nil), into: &events, stats: &stats)
        let response = try #require(events.first { $0.eventType == "llm_response" })
        #expect(response.metrics?.number("inputTokens") == 9723 && response.metrics?.number("outputTokens") == 33)
        #expect(response.metrics?.bool("tokensEstimated") == false)
        let modify = try #require(events.first { $0.eventType == "file_modify" }, "\(events.map(\.eventType))")
        #expect(modify.data.string("filePath") == "/w/src/a.swift")
    }

    /// A session file shaped like Copilot Chat 0.37.x's `chatSessions/*.json` (agent mode: markdown
    /// fragments, thinking, tool invocations, `textEditGroup` / `codeblockUri` edits, `undoStop`,
    /// `result.timings`, `result.details`; token counts in `result.usage` and `result.metadata`,
    /// or, for a request that did not complete normally, nowhere).
    @Test func aCopilot037SessionKeepsItsRecordedTokensAndEditedFiles() async throws {
        let sink = CollectingSink()
        let importer = CopilotImport(options: try Fixtures.options(), sink: sink)
        var seen: [String: WatchState.FilePosition] = [:]
        try await importer.pass(paths: [Fixtures.root + "/copilot-0.37/workspaceStorage"], seen: &seen)
        let stats = importer.stats, events = await sink.events
        #expect(stats.problems.isEmpty && stats.files == 1)
        // Recorded: 18,234 + 24,517 in, 612 + 938 out; the canceled request has none: estimated,
        // "Also handle expired coupons" 27 characters → 7, "Checking how coupons expire." 28 → 7.
        var expected = UsageTotals(requests: 3, input: 18_234 + 24_517 + 7, output: 612 + 938 + 7)
        expected.estimatedRequests = 1
        #expect(stats.bySession["2d4f6a8c-0000-4000-8000-0000000000d1"] == expected)
        let responses = events.filter { $0.eventType == "llm_response" }.sorted { $0.timestamp.microsecondsSinceEpoch < $1.timestamp.microsecondsSinceEpoch }
        #expect(responses.map { [$0.metrics?.number("inputTokens"), $0.metrics?.number("outputTokens")] } == [[18_234, 612], [24_517, 938], [7, 7]])
        #expect(responses.map { $0.metrics?.bool("tokensEstimated") } == [false, false, true])
        #expect(responses.first?.data.string("response") == "I'll read the cart first.The discount now applies only when a coupon is given.")
        #expect(responses.first?.data.string("model") == "claude-sonnet-4.5")
        #expect(responses.last?.data.bool("canceled") == true)
        // The edited files, on the file events of each request's editing tools.
        #expect(events.filter { $0.eventType == "file_modify" }.map { $0.data.string("filePath") } == ["/home/dev/shop/cart.py"])
        #expect(events.filter { $0.eventType == "file_write" }.map { $0.data.string("filePath") } == ["/home/dev/shop/tests/test_coupon.py"])
        #expect(events.filter { $0.eventType == "file_read" }.count == 1)
        #expect(events.filter { $0.eventType == "command_execute" }.map { $0.data.string("description") } == ["Ran `pytest -q tests/test_coupon.py`"])
        let start = try #require(events.first { $0.eventType == "session_start" })
        #expect(start.data.string("title") == "Explicit coupon check" && start.data.string("requester") == "dev")
        #expect(start.context.string("workspaceId") == "vscode:7c4e1f9a" && start.context.string("workspacePath") == "/home/dev/shop")
        // A URI written as a string is a path too.
        #expect(CopilotMapper.path("file:///home/dev/shop/a%20b.py") == "/home/dev/shop/a b.py")
        #expect(CopilotMapper.path(["$mid": 1, "fsPath": "/w/x.py", "path": "/w/x.py", "scheme": "file"]) == "/w/x.py")
    }

    @Test func aRunningRequestWaits() throws {
        let loaded = try CopilotSessionFile.load(Data("""
            {"kind":0,"v":{"sessionId":"s1","creationDate":1000,"requests":[]}}
            {"kind":2,"k":["requests"],"v":[{"requestId":"r1","timestamp":2000,"message":{"text":"hi"},"response":[]}]}

            """.utf8), jsonl: true)
        var events: [AgentEvent] = [], stats = ImportStats()
        let mapper = CopilotMapper(options: try Fixtures.options())
        mapper.map(session: loaded.session, fileName: "s1.jsonl", workspace: .init(storageHash: nil, folder: nil), into: &events, stats: &stats)
        // Its prompt is final; its answer, timing and tools come with its result.
        #expect(events.map(\.eventType) == ["session_start", "user_interaction"])
        #expect(stats.pendingRequests == 1 && stats.totals.requests == 0)
    }
}
