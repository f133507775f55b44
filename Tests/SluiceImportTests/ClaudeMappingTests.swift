import Foundation
import Testing
import SluiceCore
@testable import SluiceImport

@Suite struct ClaudeMappingTests {
    @Test func totalsPerSessionAndDayEqualTheHandComputedValues() async throws {
        let copy = try Fixtures.workingCopy()
        var state = WatchState()
        let (stats, events) = try await mapClaude([copy.root], state: &state)
        #expect(stats.bySession[Fixtures.sessionA] == Expected.sessionA)
        #expect(stats.bySession[Fixtures.sessionB] == Expected.sessionB)
        #expect(stats.bySession[Fixtures.sessionC] == Expected.sessionCPart1)
        #expect(stats.byDay["2025-10-10"] == Expected.day10)
        #expect(stats.byDay["2025-10-11"] == Expected.day11)
        #expect(stats.byDay["2025-10-12"] == Expected.day12Part1)
        #expect(stats.duplicateRequests == 1)  // the /btw copy of msg_01B1
        #expect(stats.syntheticMessages == 1)
        #expect(stats.unpricedRequests == 0)
        // One llm_request and one llm_response per counted request, whatever the number of blocks.
        #expect(stats.eventsByType["llm_request"] == 11)
        #expect(stats.eventsByType["llm_response"] == 11)
        // The /btw file re-logs b-u1: its copy is skipped, so no two events share an id (which
        // copy the log kept would be up to the database).
        #expect(Set(events.map(\.id)).count == events.count)
        // Responses and their usage corrections sum to the same totals.
        let responses = events.filter { $0.eventType == "llm_response" || $0.eventType == "usage_correction" }
        let cost = responses.compactMap { $0.metrics?.fixedPoint("costUSD", scale: 9) }.reduce(0, +)
        #expect(cost == Expected.sessionA.costNanoUSD + Expected.sessionB.costNanoUSD + Expected.sessionCPart1.costNanoUSD)
    }

    @Test func toolCallsJoinTheirResults() async throws {
        let copy = try Fixtures.workingCopy()
        var state = WatchState()
        let (_, events) = try await mapClaude([copy.root], state: &state)
        let tools = Dictionary(uniqueKeysWithValues: events.filter { $0.eventType == "tool_use" }.map { ($0.data.string("toolUseId")!, $0) })
        #expect(tools.count == 6)  // A1 Read, A2 Edit, A3 Bash, B1 Task, B2 Bash, S1 Glob (the /btw replay adds none)
        let bash = try #require(tools["toolu_01A3"])
        #expect(bash.data.bool("success") == true)
        #expect(bash.metrics?.number("durationMs") == 12_000)  // 09:00:09.000 → 09:00:21.000
        #expect(bash.timestamp == Timestamp(rfc3339: "2025-10-10T09:00:09Z"))
        let failed = try #require(tools["toolu_01B2"])
        #expect(failed.data.bool("success") == false)
        #expect(failed.data.string("error") == "make: *** No rule to make target 'tset'.  Stop.")
        #expect(failed.data.string("command") == "make tset")
        #expect(tools["toolu_01S1"]?.context.bool("isSidechain") == true)
        #expect(tools["toolu_01S1"]?.context.string("agentId") == "a1f3")
        // Derived events, parented to their tool call.
        let read = try #require(events.first { $0.eventType == "file_read" })
        #expect(read.data.string("filePath") == "/home/dev/shop/cart.py")
        #expect(read.parentEventId == tools["toolu_01A1"]?.id)
        #expect(events.filter { $0.eventType == "file_modify" }.count == 1)
        let commands = events.filter { $0.eventType == "command_execute" }
        #expect(commands.map { $0.data.string("command") ?? "" }.sorted() == ["make tset", "pytest -q"])
        #expect(commands.first { $0.data.string("command") == "make tset" }?.data.bool("success") == false)
        #expect(events.filter { $0.eventType == "search_performed" }.count == 1)
    }

    @Test func chatMessagesContextAndErrors() async throws {
        let copy = try Fixtures.workingCopy()
        var state = WatchState()
        let (_, events) = try await mapClaude([copy.root], state: &state)
        let a = events.filter { $0.sessionId == UUID(uuidString: Fixtures.sessionA) }
        let prompts = a.filter { $0.eventType == "user_interaction" }
        #expect(prompts.map { $0.data.string("prompt") } == ["The cart total is wrong when a coupon is applied. Fix it."])  // the meta caveat is skipped
        let answers = a.filter { $0.eventType == "llm_response" }.compactMap { $0.data.string("response") }
        #expect(answers == ["I'll read the cart module.", "The coupon is subtracted even when it is None. Editing.",
                            "Fixed: `total` now ignores a missing coupon, and the 5 tests pass."])
        let first = try #require(a.first { $0.eventType == "llm_response" })
        #expect(first.timestamp == Timestamp(rfc3339: "2025-10-10T09:00:02Z"))  // its first block
        #expect(first.metrics?.number("durationMs") == 2000)  // sent with the prompt at 09:00:00
        #expect(first.metrics?.string("model") == "claude-sonnet-4-5-20250929")
        #expect(first.data.bool("thinking") == true)
        #expect(first.context.string("cwd") == "/home/dev/shop")
        #expect(first.context.string("gitBranch") == "main")
        #expect(first.context.string("workspaceId") == "test-machine:/home/dev/shop")
        #expect(first.context.string("machineId") == "test-machine")
        #expect(first.agentVersion == "2.0.14")
        #expect(first.agentId == "claude-code")
        #expect(first.projectId == 7)
        let request = try #require(a.first { $0.eventType == "llm_request" })
        #expect(first.parentEventId == request.id)
        #expect(request.timestamp == Timestamp(rfc3339: "2025-10-10T09:00:00Z"))
        // Sidechain texts stay out of the chat.
        let side = events.filter { $0.context.bool("isSidechain") == true && $0.eventType == "llm_response" }
        #expect(side.allSatisfy { $0.data.string("response") == nil })
        let errors = events.filter { $0.eventType == "error_encountered" }
        #expect(errors.count == 1)
        #expect(errors.first?.severity == .error)
        #expect(errors.first?.data.string("message")?.hasPrefix("API Error: 529") == true)
        // Each session starts once; none ends (a transcript never says so: the projection ends
        // quiet sessions), however long ago its last line.
        #expect(events.filter { $0.eventType == "session_start" }.count == 3)
        #expect(events.filter { $0.eventType == "session_end" }.isEmpty)
    }

    @Test func invalidLinesAreReportedWithFileAndLineAndTheRestIsImported() async throws {
        let copy = try Fixtures.workingCopy()
        var state = WatchState()
        let (stats, _) = try await mapClaude([copy.growing], state: &state)
        #expect(stats.invalidLines == 2)
        #expect(stats.problems.map(\.line) == [2, 4])
        #expect(stats.problems.allSatisfy { $0.file == copy.growing })
        #expect(stats.problems[0].message.contains("unterminated string"))
        #expect(stats.bySession[Fixtures.sessionC] == Expected.sessionCPart1)
    }

    @Test func aTruncatedLastLineWaitsAndAGrowingFileStoresEachEventOnce() async throws {
        let copy = try Fixtures.workingCopy()
        var state = WatchState()
        // While the last line is being written, and the file is live (its last line is recent):
        // the truncated line is not consumed and the open response waits.
        let live = Timestamp(rfc3339: "2025-10-12T10:00:10Z")!
        let (first, firstEvents) = try await mapClaude([copy.growing], now: live, state: &state)
        #expect(first.incompleteLines == 1)
        #expect(first.lines == 4)
        #expect(first.eventsByType["llm_response"] == nil)  // C1 may still stream
        let offset = try #require(state.files[copy.growing]?.offset)
        #expect(offset < Int64(try Data(contentsOf: URL(fileURLWithPath: copy.growing)).count))
        // The line is completed and another response arrives; the watch resumes from its offset.
        try Fixtures.append(part2To: copy.growing)
        let (second, secondEvents) = try await mapClaude([copy.growing], state: &state)
        #expect(second.incompleteLines == 0)
        #expect(second.lines == 2)
        #expect(second.bySession[Fixtures.sessionC] == Expected.sessionC)  // C1 (settled) and C2
        let prompts = secondEvents.filter { $0.eventType == "user_interaction" }.compactMap { $0.data.string("prompt") }
        #expect(prompts == ["test_cart.py, and now the tests run"])
        // Resumed and fresh imports agree event for event.
        var fresh = WatchState()
        let (_, all) = try await mapClaude([copy.growing], state: &fresh)
        #expect(Set(all.map(\.id)) == Set((firstEvents + secondEvents).map(\.id)))
        #expect(Set(all.map(\.timestamp)) == Set((firstEvents + secondEvents).map(\.timestamp)))
        // A state that went through JSON (a restart) resumes the same way.
        let saved = try JSONDecoder().decode(WatchState.self, from: JSONEncoder().encode(state))
        var again = saved
        let (third, thirdEvents) = try await mapClaude([copy.growing], state: &again)
        #expect(third.lines == 0)
        #expect(thirdEvents.isEmpty)
    }

    @Test func importingTwiceGivesTheSameEvents() async throws {
        let copy = try Fixtures.workingCopy()
        var s1 = WatchState(), s2 = WatchState()
        let (_, a) = try await mapClaude([copy.root], state: &s1)
        let (_, b) = try await mapClaude([copy.root], state: &s2)
        #expect(!a.isEmpty, "the fixtures map to events")
        #expect(a == b)
    }

    @Test func parsesTheFieldsOfARealLine() throws {
        let line = #"{"parentUuid":"p","isSidechain":true,"userType":"external","cwd":"/w","sessionId":"s","version":"2.1.3","gitBranch":"dev","agentId":"ab12","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-5-20251101","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls \"a b\"","timeout":5}}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"cache_creation_input_tokens":20,"cache_read_input_tokens":300,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":20},"output_tokens":4,"service_tier":"standard"}},"requestId":"req_1","type":"assistant","uuid":"u","timestamp":"2025-12-01T10:00:00.123Z","costUSD":1.5e-5}"#
        let l = try Array(line.utf8).withUnsafeBufferPointer { b throws(LineError) in try ClaudeLine.parse(b) }
        #expect(l.kind == .assistant)
        #expect(l.isSidechain && l.agentId == "ab12" && l.requestId == "req_1" && l.messageId == "msg_1")
        #expect(l.usage == ClaudeLine.Usage(input: 1, output: 4, cacheCreation: 20, cacheRead: 300, cacheCreation1h: 20))
        #expect(l.costNano == 15_000)
        #expect(l.timestamp == Timestamp(rfc3339: "2025-12-01T10:00:00.123Z"))
        guard case .toolUse(let id, let name, let input)? = l.blocks.first else { Issue.record("no tool_use"); return }
        #expect(id == "toolu_1" && name == "Bash" && input.command == #"ls "a b""#)
        for bad in [#"{"type":"user""#, #"{"type":"user",}"#, #"{"a":tru}"#, "{\"a\":\"\u{1}\"}", #"{"a":1} x"#, #"{"a":"\q"}"#] {
            #expect(throws: LineError.self) { try Array(bad.utf8).withUnsafeBufferPointer { b throws(LineError) in try ClaudeLine.parse(b) } }
        }
    }
}
