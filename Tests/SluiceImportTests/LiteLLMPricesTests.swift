import Foundation
import Testing
import SluiceCore
@testable import SluiceImport

/// `--prices` / `SLUICE_PRICES` also read LiteLLM's `model_prices_and_context_window.json`.
///
/// The fixture is a trimmed copy of the real file's shape: real entries (Claude 4.x, GPT-5, an
/// embedding and an image model, `sample_spec`, provider-prefixed Bedrock / Vertex / OpenRouter /
/// Cloudflare keys, a Bedrock Nova entry whose cache rate is a fraction of a nano-dollar), with
/// their fields as LiteLLM writes them; `anthropic.claude-sonnet-4-5-20250929-v1:0` carries
/// regional rates (1.1×) to show that a prefixed key never prices a transcript.
@Suite struct LiteLLMPricesTests {
    static var file: String { Fixtures.root + "/prices/model_prices_and_context_window.json" }

    static func liteLLM() throws -> PriceTable {
        try PriceTable.parse(Array(try Data(contentsOf: URL(fileURLWithPath: file))), source: file)
    }

    @Test func theRatesOfClaudeAndOpenAIModelsAreReadExactly() throws {
        let t = try Self.liteLLM()
        #expect(t.models["claude-opus-4-6"] == .init(input: 5000, output: 25_000, cacheWrite: 6250, cacheWrite1h: 10_000, cacheRead: 500, fastMilli: 6000))
        #expect(t.models["claude-sonnet-4-5-20250929"] == .init(
            input: 3000, output: 15_000, cacheWrite: 3750, cacheWrite1h: 6000, cacheRead: 300,
            longContext: .init(above: 200_000, input: 6000, output: 22_500, cacheWrite: 7500, cacheWrite1h: 12_000, cacheRead: 600)))
        // No 1-hour rate above 200k: twice the long-context input, as Anthropic bills it.
        #expect(t.models["claude-sonnet-4-20250514"]?.longContext?.cacheWrite1h == 12_000)
        // A cache write LiteLLM gives no rate for costs nothing (OpenAI does not bill them).
        #expect(t.models["gpt-5"] == .init(input: 1250, output: 10_000, cacheWrite: 0, cacheWrite1h: 2500, cacheRead: 125))
        // Not chat models, and provider-routed keys, are not loaded; the Nova entry is left out
        // with why (not a Claude or OpenAI model, so no error).
        #expect(Set(t.models.keys) == ["claude-haiku-4-5-20251001", "claude-opus-4-1-20250805", "claude-opus-4-6", "claude-sonnet-4-20250514",
                                       "claude-sonnet-4-5-20250929", "gpt-5"])
        #expect(t.skipped == ["amazon.nova-2-pro-preview-20251202-v1:0: cache_read_input_token_cost 5.46875e-07 is not a whole number of nano-dollars per token"])
        // Matching is the bundled table's: longest prefix, provider prefixes dropped, never an older version.
        #expect(t.price(for: "us.anthropic.claude-sonnet-4-5-20250929-v1:0")?.input == 3000)
        #expect(t.price(for: "claude-opus-4-6")?.fastMilli == 6000)
        #expect(t.price(for: "claude-opus-4-6-20260205")?.input == 5000)
        #expect(t.price(for: "claude-opus-4-7") == nil)
        #expect(t.price(for: "claude-sonnet-4-5") == nil)  // LiteLLM's dated entry is no prefix of the undated name
    }

    /// The oracle: the Claude fixtures cost exactly what the bundled table makes them cost, with
    /// LiteLLM's file alone (their rates agree), and loaded over the bundled table.
    @Test func importingTheClaudeFixturesWithLiteLLMsFileCostsWhatTheBundledTableCosts() async throws {
        let copy = try Fixtures.workingCopy()
        try Fixtures.append(part2To: copy.growing)
        let paths = [copy.root, CutPointTests.liveFile, FastModeTests.file]
        func run(_ prices: PriceTable) async throws -> ImportStats {
            let options = ImportOptions(projectId: 7, machineId: "test-machine", hostname: "test-host", prices: prices)
            let run = ClaudeImport(options: options, sink: CollectingSink())
            var positions: [String: WatchState.FilePosition] = [:]
            try await run.pass(paths: paths, positions: &positions, now: Fixtures.later)
            return run.stats
        }
        let bundled = try await run(try PriceTable.bundled())
        #expect(bundled.bySession[Fixtures.sessionA] == Expected.sessionA)
        #expect(bundled.bySession[Fixtures.sessionB] == Expected.sessionB)
        #expect(bundled.bySession[Fixtures.sessionC] == Expected.sessionC)
        #expect(bundled.bySession[CutPointTests.sessionE] == CutPointTests.expectedE)
        #expect(bundled.bySession[FastModeTests.sessionF] == FastModeTests.expected)
        for prices in [try Self.liteLLM(), try PriceTable.load(overrideFile: Self.file)] {
            let stats = try await run(prices)
            #expect(stats.bySession == bundled.bySession)
            #expect(stats.byDay == bundled.byDay)
            #expect(stats.byModel == bundled.byModel)
            #expect(stats.totals == bundled.totals)
            #expect(stats.unpricedModels == bundled.unpricedModels)
        }
    }

    /// LiteLLM's current file (1.110.2) no longer gives Opus 4.6 a fast multiple; loaded over the
    /// bundled table, its entries keep the bundled 6×, as ccusage's own multiples do.
    @Test func anEntryWithoutAFastMultipleKeepsTheBundledOne() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("litellm-\(UUID().uuidString).json").path
        try #"""
            {"claude-opus-4-6": {"input_cost_per_token": 5e-06, "output_cost_per_token": 2.5e-05, "cache_read_input_token_cost": 5e-07,
                                 "mode": "chat", "litellm_provider": "anthropic", "provider_specific_entry": {"us": 1.1}},
             "claude-opus-4-6-20260205": {"input_cost_per_token": 5e-06, "output_cost_per_token": 2.5e-05, "mode": "chat"},
             "claude-opus-4-8": {"input_cost_per_token": 5e-06, "output_cost_per_token": 2.5e-05, "mode": "chat", "provider_specific_entry": {"fast": 2.0}},
             "claude-sonnet-4-6": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05, "mode": "chat"}}
            """#.write(toFile: path, atomically: true, encoding: .utf8)
        let alone = try PriceTable.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))), source: path)
        #expect(alone.models["claude-opus-4-6"]?.fastMilli == nil)
        let t = try PriceTable.load(overrideFile: path)
        #expect(t.price(for: "claude-opus-4-6")?.fastMilli == 6000)
        #expect(t.price(for: "claude-opus-4-6")?.cacheWrite == 0)  // LiteLLM's entry, not the bundled one
        #expect(t.price(for: "claude-opus-4-6-20260205")?.fastMilli == 6000)
        #expect(t.price(for: "claude-opus-4-8")?.fastMilli == 2000)
        #expect(t.price(for: "claude-sonnet-4-6")?.fastMilli == nil)
    }

    @Test func aClaudeOrOpenAIEntryThatCannotBePricedExactlyIsAnErrorNamingItsModelAndField() throws {
        func load(_ json: String) throws -> PriceTable {
            try PriceTable.parse(Array(json.utf8), source: "litellm.json")
        }
        func message(_ json: String) -> String {
            do { _ = try load(json); return "" } catch { return "\(error)" }
        }
        let good = #""claude-opus-4-6": {"input_cost_per_token": 5e-06, "output_cost_per_token": 2.5e-05, "mode": "chat", "litellm_provider": "anthropic"}"#
        #expect(try load("{\(good)}").price(for: "claude-opus-4-6")?.output == 25_000)
        // Decimal text, never a binary float: these are exact.
        #expect(try load(#"{"claude-x": {"input_cost_per_token": 0.0000003, "output_cost_per_token": 3.75E-6, "mode": "chat"}}"#).models["claude-x"]
            .map { [$0.input, $0.output] } == [300, 3750])
        #expect(message(#"{\#(good), "claude-x": {"input_cost_per_token": 3.0000001e-06, "output_cost_per_token": 1.5e-05, "mode": "chat"}}"#)
            .contains("model claude-x: input_cost_per_token 3.0000001e-06 is not a whole number of nano-dollars per token"))
        #expect(message(#"{"gpt-x": {"input_cost_per_token": "1e-06", "output_cost_per_token": 2e-06, "mode": "chat", "litellm_provider": "openai"}}"#)
            .contains("model gpt-x: input_cost_per_token is not a number"))
        #expect(message(#"{"claude-x": {"input_cost_per_token": -1e-06, "output_cost_per_token": 2e-06, "mode": "chat"}}"#)
            .contains("model claude-x: input_cost_per_token -1e-06 is negative"))
        #expect(message(#"{"claude-x": {"input_cost_per_token": 1e-09, "output_cost_per_token": 2e-06, "mode": "chat", "provider_specific_entry": {"fast": 1.5}}}"#)
            .contains("model claude-x: provider_specific_entry.fast: 1.5× its input rate is not a whole number of nano-dollars per token"))
        #expect(message(#"{"claude-x": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "mode": "chat", "input_cost_per_token_above_128k_tokens": 2e-06, "output_cost_per_token_above_200k_tokens": 4e-06}}"#)
            .contains("model claude-x: has long-context rates above 2 prompt sizes (128k, 200k)"))
        // Another provider's entry that cannot be priced exactly is left out, and said so.
        let other = try load(#"{\#(good), "llama-x": {"input_cost_per_token": 5.09e-08, "output_cost_per_token": 3.35e-07, "mode": "chat", "litellm_provider": "cloudflare"}}"#)
        #expect(other.models["llama-x"] == nil && other.skipped == ["llama-x: input_cost_per_token 5.09e-08 is not a whole number of nano-dollars per token"])
        // Broken JSON, or nothing to price, is an error that says which format was expected.
        #expect(message(#"{"claude-x": {"input_cost_per_token": 1e-06,"#).contains("LiteLLM's format"))
        #expect(message(#"{"sample_spec": {"mode": "one of: chat, embedding", "input_cost_per_token": 0.0, "output_cost_per_token": 0.0}}"#)
            .contains("no chat model with input_cost_per_token and output_cost_per_token"))
        // A file with "models" is Sluice's format.
        #expect(try load(#"{"unit": "x", "models": {"m": {"input": 1, "output": 2}}}"#).models["m"]?.input == 1000)
    }

    @Test func decimalTextBecomesWholeNanoDollarsWithoutRounding() {
        #expect(Money.parseDecimal("3e-06".utf8, scale: 9, exact: true) == 3000)
        #expect(Money.parseDecimal("3.75e-06".utf8, scale: 9, exact: true) == 3750)
        #expect(Money.parseDecimal("0.0000003".utf8, scale: 9, exact: true) == 300)
        #expect(Money.parseDecimal("1.2e-05".utf8, scale: 9, exact: true) == 12_000)
        #expect(Money.parseDecimal("0.0".utf8, scale: 9, exact: true) == 0)
        #expect(Money.parseDecimal("5.46875e-07".utf8, scale: 9, exact: true) == nil)
        #expect(Money.parseDecimal("5.46875e-07".utf8, scale: 9) == 547)
        #expect(Money.parseDecimal("6.0".utf8, scale: 3, exact: true) == 6000)
        #expect(Money.multiple(milli: 6000) == "6" && Money.multiple(milli: 2500) == "2.5" && Money.multiple(milli: 1050) == "1.05")
    }
}
