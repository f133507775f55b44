import Foundation
import Testing
import SluiceCore
@testable import SluiceImport
import SluiceStore
import SluiceTestSupport

/// Fast mode (`message.usage.speed: "fast"`) is billed at fast-mode rates: Opus 4.6 at 6× every
/// standard rate (Anthropic's fast-mode pricing; LiteLLM's `provider_specific_entry.fast` and
/// ccusage price it so). A fast request of a model without fast rates is unpriced, not priced at
/// the standard ones.
///
/// `fast/` is session F: F1 a standard Opus 4.6 request, F2 a fast one whose output grows over two
/// lines (5 → 200), F3 a fast request of Sonnet 4.5 (no fast rates).
@Suite struct FastModeTests {
    static let sessionF = "0a1b2c3d-0000-4000-8000-00000000000f"
    static var file: String { Fixtures.root + "/claude/fast/\(sessionF).jsonl" }
    // Opus 4.6, nano-dollars per token: input 5000, output 25,000, cache write 6250, 1-hour cache
    // write 10,000, cache read 500; fast 6×: 30,000, 150,000, 37,500, 60,000, 3000.
    //   F1 standard: in 10, out 100, cc 1000, cr 5000 → 50,000 + 2,500,000 + 6,250,000 + 2,500,000 = 11,300,000
    //   F2 fast: in 4, out 200 (first line 5), cc 200 (100 of them 1-hour), cr 6000
    //      → 120,000 + 30,000,000 + 3,750,000 + 6,000,000 + 18,000,000 = 57,870,000
    //      (its llm_response: out 5 → 28,620,000; its correction: 195 × 150,000 = 29,250,000)
    //   F3 fast Sonnet 4.5: in 2, out 20, cr 6200, unpriced
    static let expected = UsageTotals(requests: 3, input: 16, output: 320, cacheCreation: 1200, cacheRead: 17200, costNanoUSD: 69_170_000)

    @Test func fastRequestsCostTheFastRatesInTheSummaryTheSessionsAndTheAggregates() async throws {
        let url = try await TestDatabase.fresh()
        let sink = DatabaseSink(url: url)
        let run = ClaudeImport(options: try Fixtures.options(), sink: sink)
        var positions: [String: WatchState.FilePosition] = [:]
        try await run.pass(paths: [Self.file], positions: &positions, now: Fixtures.later)
        await sink.close()
        let stats = run.stats
        #expect(stats.bySession[Self.sessionF] == Self.expected)
        #expect(stats.byDay["2025-10-14"] == Self.expected)
        #expect(stats.corrections == 1)
        #expect(stats.unpricedRequests == 1)
        #expect(stats.unpricedModels == ["claude-sonnet-4-5-20250929 (fast)"])
        #expect(ImportReport.text(stats, inserted: nil, rejected: [], sink: "the database")
            .contains("cost: $0.069170000 (not included: 1 requests without a price, models claude-sonnet-4-5-20250929 (fast); add their prices with --prices)"))

        let events = try await TestDatabase.query(url) { conn throws(StoreError) in
            try conn.execute("""
                SELECT event_type, metrics->>'speed', metrics->>'outputTokens', metrics->>'costUSD' FROM agent_events
                WHERE event_type IN ('llm_response', 'usage_correction') ORDER BY "timestamp", event_type
                """).rows
        }
        #expect(events == [
            ["llm_response", nil, "100", "0.011300000"],
            ["llm_response", "fast", "5", "0.028620000"], ["usage_correction", "fast", "195", "0.029250000"],
            ["llm_response", "fast", "20", nil],
        ])
        // The session projection, the hourly and daily cost aggregates and /v1/costs agree.
        let all = try await CutPointTests.stored(url)
        let e = Self.expected
        #expect(all.sessions.map { Array($0.prefix(7)) } == [[
            Self.sessionF, "\(e.requests)", "\(e.inputTokens)", "\(e.outputTokens)", "\(e.cacheCreationTokens)", "\(e.cacheReadTokens)", e.costUSD,
        ]])
        // (The daily cost aggregate sums an unpriced request's missing cost as 0.)
        #expect(all.costs.map { [$0[3], $0[4], $0[9]] } == [["claude-opus-4-6", "2", "0.069170000"], ["claude-sonnet-4-5-20250929", "1", "0"]])
        let api = try #require(try JSONSerialization.jsonObject(with: Data(all.api.utf8)) as? [[String: Any]])
        #expect(api.count == 1 && (api.first?["llmRequests"] as? NSNumber)?.intValue == 3)
        #expect((api.first?["costUSD"] as? NSNumber).map { "\($0)" } == "0.06917")
    }

    /// Cut anywhere (the fast request's correction names its speed), then read whole: what one
    /// import of the whole file stores.
    @Test func everyCutOfAFastTranscriptStoresWhatOneImportStores() async throws {
        var log = CutPointTests.Log(), noState: WatchState? = nil
        let stats = try await CutPointTests.pass([Self.file], into: &log, state: &noState)
        #expect(stats.bySession[Self.sessionF] == Self.expected)
        #expect(log.bySession[Self.sessionF] == Self.expected)
        try await CutPointTests().walkEveryCut(of: Self.file)
    }

    @Test func aPriceCostsFastRequestsAtItsFastMultipleOrNotAtAll() throws {
        let t = try PriceTable.bundled()
        let opus = try #require(t.price(for: "claude-opus-4-6"))
        #expect(opus.fastMilli == 6000)
        let u = ClaudeLine.Usage(input: 4, output: 200, cacheCreation: 200, cacheRead: 6000, cacheCreation1h: 100)
        var fast = u
        fast.speed = .fast
        #expect(opus.cost(u) == 9_645_000)
        #expect(opus.cost(fast) == 57_870_000)
        fast.speed = .other("turbo")
        #expect(opus.cost(fast) == nil)
        // No fast rates: a fast request is unpriced.
        let sonnet = try #require(t.price(for: "claude-sonnet-4-5-20250929"))
        #expect(sonnet.fastMilli == nil)
        #expect(sonnet.cost(ClaudeLine.Usage(input: 2, output: 20, speed: .fast)) == nil)
        // Long-context rates are multiplied too.
        var long = sonnet
        long.fastMilli = 2500
        let longFast: Int64 = 200_001 * 15_000 + 2 * 56_250
        #expect(long.cost(ClaudeLine.Usage(input: 200_001, output: 2, speed: .fast)) == longFast)

        // A price file's `fast`; a multiple that makes a rate a fraction of a nano-dollar is refused.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID().uuidString).json").path
        try #"{"models": {"my-model": {"input": 1, "output": 2, "fast": 2.5}}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try PriceTable.load(overrideFile: path).price(for: "my-model")?.fastMilli == 2500)
        func refusal(_ json: String) throws -> String {
            try json.write(toFile: path, atomically: true, encoding: .utf8)
            do { _ = try PriceTable.load(overrideFile: path); return "accepted" } catch { return "\(error)" }
        }
        #expect(try refusal(#"{"models": {"my-model": {"input": 0.001, "output": 2, "fast": 1.5}}}"#)
            .contains("my-model.fast: 1.5× its input is not a whole number of nano-dollars per token"))
        // So is a price with more decimals than whole nano-dollars per token.
        #expect(try refusal(#"{"models": {"my-model": {"input": 0.0005, "output": 2}}}"#)
            .contains("my-model.input 0.0005 has more decimals than a whole number of nano-dollars per token"))
    }

    @Test func theSpeedIsReadFromTheUsageAndKeptInTheWatchState() throws {
        func usage(_ json: String) throws -> ClaudeLine.Usage? {
            let line = #"{"type":"assistant","message":{"id":"m","model":"claude-opus-4-6","usage":"# + json + "}}"
            return try Array(line.utf8).withUnsafeBufferPointer { b in try ClaudeLine.parse(b).usage }
        }
        #expect(try usage(#"{"input_tokens":1,"output_tokens":2,"service_tier":"standard","speed":"fast"}"#)?.speed == .fast)
        #expect(try usage(#"{"input_tokens":1,"output_tokens":2,"speed":"standard"}"#)?.speed == .standard)
        #expect(try usage(#"{"input_tokens":1,"output_tokens":2}"#)?.speed == .standard)
        #expect(try usage(#"{"input_tokens":1,"output_tokens":2,"speed":null}"#)?.speed == .standard)
        #expect(try usage(#"{"input_tokens":1,"output_tokens":2,"speed":"turbo"}"#)?.speed == .other("turbo"))
        // A state saved before speeds were read decodes as standard; a fast one keeps its speed.
        let old = try JSONDecoder().decode(ClaudeLine.Usage.self, from: Data(#"{"input":1,"output":2,"cacheCreation":0,"cacheRead":0,"cacheCreation1h":0}"#.utf8))
        #expect(old == ClaudeLine.Usage(input: 1, output: 2))
        let fast = ClaudeLine.Usage(input: 1, output: 2, speed: .fast)
        #expect(try JSONDecoder().decode(ClaudeLine.Usage.self, from: JSONEncoder().encode(fast)) == fast)
        #expect(ClaudeLine.Usage(output: 5).union(fast).speed == .fast)
    }
}
