import Foundation
import Testing
import SluiceCore
@testable import SluiceImport

@Suite struct PricesAndIdsTests {
    @Test func sha1AndUUIDv5MatchPublishedVectors() {
        func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
        #expect(hex(SHA1.hash("".utf8)) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex(SHA1.hash("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex(SHA1.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(hex(SHA1.hash([UInt8](repeating: 0x61, count: 1_000_000))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        // RFC 9562, appendix A.4.
        let dns = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        #expect(UUID.v5(namespace: dns, name: "www.example.com").lowercased == "2ed6657d-e927-568b-95e1-2665a8aea6a2")
    }

    @Test func pricesMatchModelsByLongestPrefixAndCostExactly() throws {
        let t = try PriceTable.bundled()
        #expect(t.price(for: "claude-sonnet-4-5-20250929")?.input == 3000)
        #expect(t.price(for: "claude-opus-4-1-20250805")?.output == 75_000)
        #expect(t.price(for: "claude-opus-4-20250514")?.input == 15_000)
        #expect(t.price(for: "claude-opus-4-5-20251101")?.input == 5000)
        #expect(t.price(for: "claude-haiku-4-5-20251001")?.cacheRead == 100)
        #expect(t.price(for: "claude-3-5-haiku-20241022")?.cacheRead == 80)
        #expect(t.price(for: "claude-3-haiku-20240307")?.cacheRead == 30)
        #expect(t.price(for: "us.anthropic.claude-sonnet-4-20250514-v1:0")?.output == 15_000)
        #expect(t.price(for: "gpt-4.1") == nil)
        // 1h cache writes cost twice the input price; 5m ones 1.25×.
        let p = try #require(t.price(for: "claude-sonnet-4-5"))
        let expected: Int64 = 3000 + 15_000 + 6 * 3750 + 4 * 6000 + 100 * 300
        #expect(p.cost(.init(input: 1, output: 1, cacheCreation: 10, cacheRead: 100, cacheCreation1h: 4)) == expected)
    }

    /// A version the table does not know never takes an older version's price: unpriced (and
    /// reported so) is right. Snapshot dates and deployment tags still find their model.
    @Test func anUnknownVersionIsUnpricedNotPricedAsAnOlderOne() throws {
        let t = try PriceTable(models: ["claude-opus-4": .init(input: 15_000, output: 75_000, cacheWrite: 18_750, cacheWrite1h: 30_000, cacheRead: 1500)])
        #expect(t.price(for: "claude-opus-4-7") == nil)
        #expect(t.price(for: "claude-opus-4-7-20260101") == nil)
        #expect(t.price(for: "claude-opus-4-1@20250805") == nil)
        #expect(t.price(for: "claude-opus-4-20250514")?.input == 15_000)
        #expect(t.price(for: "claude-opus-4@20250514")?.input == 15_000)
        #expect(t.price(for: "us.anthropic.claude-opus-4-20250514-v1:0")?.input == 15_000)
        #expect(t.price(for: "claude-opus-4-latest")?.input == 15_000)
        #expect(try PriceTable.bundled().price(for: "claude-opus-4-7") == nil)
        #expect(PriceTable.isVersion("5-20250929") && PriceTable.isVersion("7") && !PriceTable.isVersion("20250514") && !PriceTable.isVersion("v1:0"))
    }

    @Test func longContextRatesApplyToEveryTokenOfAPromptAbove200K() throws {
        let t = try PriceTable.bundled()
        let sonnet = try #require(t.price(for: "claude-sonnet-4-5-20250929"))
        // The prompt is input + cache write + cache read: 200,000 exactly is not above.
        let standard: Int64 = 1000 * 3000 + 100 * 15_000 + 199_000 * 300
        #expect(sonnet.cost(.init(input: 1000, output: 100, cacheCreation: 0, cacheRead: 199_000)) == standard)
        let long: Int64 = 1000 * 6000 + 100 * 22_500 + 6 * 7500 + 4 * 12_000 + 199_000 * 600
        #expect(sonnet.cost(.init(input: 1000, output: 100, cacheCreation: 10, cacheRead: 199_000, cacheCreation1h: 4)) == long)
        #expect(t.price(for: "claude-sonnet-4-20250514")?.longContext?.above == 200_000)
        // Models without a long-context window keep their rates.
        let opus = try #require(t.price(for: "claude-opus-4-1"))
        #expect(opus.longContext == nil)
        let opusCost: Int64 = 300_000 * 15_000 + 75_000
        #expect(opus.cost(.init(input: 300_000, output: 1)) == opusCost)
        // A price file may give its own.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID().uuidString).json").path
        try #"{"models": {"my-model": {"input": 1, "output": 2, "longContext": {"above": 100, "input": 3, "output": 4}}}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let mine = try #require(try PriceTable.load(overrideFile: path).price(for: "my-model"))
        #expect(mine.longContext == .init(above: 100, input: 3000, output: 4000, cacheWrite: 3750, cacheWrite1h: 6000, cacheRead: 300))
        let mineCost: Int64 = 101 * 3000 + 4000
        #expect(mine.cost(.init(input: 101, output: 1)) == mineCost)
        try #"{"models": {"my-model": {"input": 1, "output": 2, "longContext": {"input": 3, "output": 4}}}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ImportError.self) { try PriceTable.load(overrideFile: path) }
    }

    @Test func aModelMissingFromThePriceTableIsReportedNotPricedAtZero() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-unpriced-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let line = #"{"parentUuid":null,"isSidechain":false,"cwd":"/w","sessionId":"0a1b2c3d-0000-4000-8000-0000000000e1","version":"2.1.0","type":"assistant","uuid":"e-a1","timestamp":"2025-11-01T10:00:00.000Z","message":{"id":"msg_E1","type":"message","role":"assistant","model":"claude-future-9-20270101","content":[{"type":"text","text":"Hi."}],"stop_reason":"end_turn","usage":{"input_tokens":7,"output_tokens":3,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}},"requestId":"req_E1"}"#
        try Data((line + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/e.jsonl"))
        var state = WatchState()
        let (stats, events) = try await mapClaude([dir], state: &state)
        #expect(stats.totals.requests == 1 && stats.totals.inputTokens == 7)
        #expect(stats.unpricedRequests == 1 && stats.unpricedCopilotRequests == 0)
        #expect(stats.unpricedModels == ["claude-future-9-20270101"])
        let response = try #require(events.first { $0.eventType == "llm_response" })
        #expect(response.metrics?.fixedPoint("costUSD", scale: 9) == nil)
        #expect(response.metrics?.string("costSource") == nil)
        let text = ImportReport.text(stats, inserted: nil, rejected: [], sink: "the database")
        #expect(text.contains("not included: 1 requests without a price, models claude-future-9-20270101; add their prices with --prices"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ImportReport.json(stats, inserted: nil, rejected: []).utf8)) as? [String: Any])
        #expect(json["unpricedRequests"] as? Int == 1)
        #expect(json["unpricedModels"] as? [String] == ["claude-future-9-20270101"])
    }

    @Test func aPriceFileOverridesAndExtendsTheTable() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID().uuidString).json").path
        try #"{"models": {"claude-sonnet-4-5": {"input": 2.5, "output": 12.125}, "my-model": {"input": 0.001, "output": 1}}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let t = try PriceTable.load(overrideFile: path)
        #expect(t.price(for: "claude-sonnet-4-5-20250929")?.input == 2500)
        #expect(t.price(for: "claude-sonnet-4-5-20250929")?.output == 12_125)
        #expect(t.price(for: "my-model-x")?.input == 1)
        #expect(t.price(for: "claude-opus-4-1")?.input == 15_000)  // untouched
        try "{\"models\": {\"x\": {\"input\": \"free\"}}}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ImportError.self) { try PriceTable.load(overrideFile: path) }
    }

    @Test func decimalsAreExact() {
        #expect(Money.parseDecimal("0.0123".utf8, scale: 9) == 12_300_000)
        #expect(Money.parseDecimal("1.5e-5".utf8, scale: 9) == 15_000)
        #expect(Money.parseDecimal("3".utf8, scale: 3) == 3000)
        #expect(Money.parseDecimal("0.0000000015".utf8, scale: 9) == 2)
        #expect(Money.parseDecimal("x".utf8, scale: 9) == nil)
        #expect(Money.decimalString(nano: 26_404_500) == "0.026404500")
        #expect(Money.decimalString(nano: 1_000_000_001) == "1.000000001")
    }
}
