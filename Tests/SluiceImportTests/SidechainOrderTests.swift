import Foundation
import Testing
import SluiceCore
@testable import SluiceImport

/// A message that a sidechain transcript replays (`/btw` re-logs the conversation under new
/// request ids) is counted once, from the main chain, whatever order the files are given in.
@Suite struct SidechainOrderTests {
    static let sessionDir = "/projects/-home-dev-shop/\(Fixtures.sessionB)"
    static let aside = sessionDir + "/subagents/agent-aside_question-77aa.jsonl"
    static let subagent = sessionDir + "/subagents/agent-a1f3.jsonl"
    static let main = "/projects/-home-dev-shop/\(Fixtures.sessionB).jsonl"

    /// Session B's request of `msg_01B1` is counted from the main chain: its text is a chat
    /// response, it has no sidechain context, and its Task call has its result.
    func expectMainChainCopy(_ events: [AgentEvent]) throws {
        let responses = events.filter { $0.eventType == "llm_response" && $0.data.string("messageId") == "msg_01B1" }
        #expect(responses.count == 1)
        let b1 = try #require(responses.first)
        #expect(b1.data.string("requestId") == "req_011B1")
        #expect(b1.data.string("response") == "Starting an agent to survey the code.")
        #expect(b1.context.bool("isSidechain") == nil)
        let task = events.filter { $0.eventType == "tool_use" && $0.data.string("toolUseId") == "toolu_01B1" }
        #expect(task.map { $0.data.bool("success") } == [true])
    }

    @Test func aSidechainCopyOutsideSubagentsGivenFirstIsStillTheReplay() async throws {
        let copy = try Fixtures.workingCopy()
        // The /btw transcript copied to a folder that sorts before the projects and is not named
        // `subagents`: only its lines say it is a sidechain.
        let outside = (copy.root as NSString).deletingLastPathComponent + "/a-side/agent-aside.jsonl"
        try FileManager.default.createDirectory(atPath: (outside as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: copy.root + Self.aside.dropFirst("/projects".count), toPath: outside)
        var state = WatchState()
        let base = (copy.root as NSString).deletingLastPathComponent
        let (stats, events) = try await mapClaude([outside, base + Self.subagent, base + Self.main], state: &state)
        #expect(stats.bySession[Fixtures.sessionB] == Expected.sessionB)
        #expect(stats.duplicateRequests == 1)
        try expectMainChainCopy(events)
        #expect(state.files[outside]?.sidechain == true)
        #expect(state.files[base + Self.main]?.sidechain == false)
    }

    @Test func sidechainFilesBeforeTheMainOneInThePathsChangeNothing() async throws {
        let copy = try Fixtures.workingCopy()
        let base = (copy.root as NSString).deletingLastPathComponent
        var reversed = WatchState(), inOrder = WatchState()
        let (r, rEvents) = try await mapClaude([base + Self.aside, base + Self.subagent, base + Self.main], state: &reversed)
        let (o, oEvents) = try await mapClaude([base + Self.main, base + Self.subagent, base + Self.aside], state: &inOrder)
        #expect(r.bySession[Fixtures.sessionB] == Expected.sessionB)
        #expect(o.bySession[Fixtures.sessionB] == Expected.sessionB)
        #expect(rEvents == oEvents)
        try expectMainChainCopy(rEvents)
    }

    @Test func aSidechainImportedAloneFirstIsNotCountedAgainWithTheMainFile() async throws {
        let copy = try Fixtures.workingCopy()
        let base = (copy.root as NSString).deletingLastPathComponent
        var state = WatchState()
        // The /btw file alone: its copy of msg_01B1 is all there is, so it is counted (X1, X2).
        let (alone, _) = try await mapClaude([base + Self.aside], state: &state)
        #expect(alone.bySession[Fixtures.sessionB]?.requests == 2)
        // Then the rest with the same state (a watch): the main chain's msg_01B1 is the copy now.
        let (rest, _) = try await mapClaude([base + Self.main, base + Self.subagent], state: &state)
        #expect(rest.duplicateRequests == 1)
        let a = try #require(alone.bySession[Fixtures.sessionB]), b = try #require(rest.bySession[Fixtures.sessionB])
        #expect(a.requests + b.requests == Expected.sessionB.requests)
        #expect(a.inputTokens + b.inputTokens == Expected.sessionB.inputTokens)
        #expect(a.outputTokens + b.outputTokens == Expected.sessionB.outputTokens)
        #expect(a.cacheReadTokens + b.cacheReadTokens == Expected.sessionB.cacheReadTokens)
        #expect(a.costNanoUSD + b.costNanoUSD == Expected.sessionB.costNanoUSD)
    }
}
