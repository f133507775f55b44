import Foundation
import SluiceCore

/// LiteLLM's `model_prices_and_context_window.json` (the file ccusage prices with): one object
/// per model at the top level, US dollars per token.
///
/// Read of each entry: `input_cost_per_token`, `output_cost_per_token`,
/// `cache_creation_input_token_cost` (5-minute cache write), `cache_creation_input_token_cost_above_1hr`
/// (1-hour cache write), `cache_read_input_token_cost`, the same five with `_above_<N>k_tokens`
/// (the long-context rates, for prompts above N thousand tokens), and
/// `provider_specific_entry.fast` (fast mode's multiple of all of them). A rate the entry does
/// not give is what LiteLLM and ccusage make of it: no charge for a cache write or read, twice
/// the input rate for a 1-hour cache write (Anthropic's rule), and above the prompt size the
/// standard rate. Each number is read as decimal text into whole nano-dollars per token, never
/// through a binary float.
///
/// Left out, silently: entries whose `mode` is not `chat` or `responses` (`sample_spec`, image,
/// embedding, audio models…), entries without input and output rates per token, and entries
/// keyed with a provider before the model (`anthropic/…`, `bedrock/…`, `vertex_ai/…`,
/// `openrouter/…`, `anthropic.…`, `us.anthropic.…`): a transcript's model is matched with its own
/// provider prefix dropped (``PriceTable/price(for:)``), so only the unprefixed entries can match.
/// A Claude or OpenAI entry (`claude` in its name, or `litellm_provider` `openai`) with a rate
/// that is not a non-negative number or not a whole number of nano-dollars per token is an
/// error naming the model and field; any other such entry is left out and listed in
/// ``PriceTable/skipped`` (the importer prints a warning).
public enum LiteLLMPriceFile {
    /// The five rates of an entry, by LiteLLM's field names (longest first: the 1-hour cache
    /// write's name starts with the 5-minute one's).
    static let rateFields = [
        "cache_creation_input_token_cost_above_1hr", "cache_creation_input_token_cost", "cache_read_input_token_cost",
        "input_cost_per_token", "output_cost_per_token",
    ]

    /// `(rate, nil)` for a rate field, `(rate, N × 1000)` for its `_above_<N>k_tokens` form, nil
    /// for any other field (`_priority`, `_flex`, `_batches`, per-character… are not read).
    static func rateField(_ name: String) -> (rate: String, above: Int64?)? {
        for rate in rateFields {
            if name == rate { return (rate, nil) }
            let prefix = rate + "_above_"
            guard name.hasPrefix(prefix), name.hasSuffix("k_tokens") else { continue }
            let digits = name.dropFirst(prefix.count).dropLast("k_tokens".count)
            if !digits.isEmpty, digits.count < 7, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(digits) {
                return (rate, n * 1000)
            }
        }
        return nil
    }

    /// One entry as read: its rates (nano-dollars per token) and what was wrong with any field.
    struct Entry {
        var mode: String?
        var provider: String?
        var rates: [String: Int64] = [:]
        var long: [String: Int64] = [:]
        var thresholds: Set<Int64> = []
        var fastMilli: Int64?
        var problems: [String] = []
    }

    public static func parse(_ bytes: [UInt8], source: String) throws -> PriceTable {
        var models: [String: PriceTable.Price] = [:]
        var skipped: [String] = []
        var relevantProblem: String?
        do {
            try bytes.withUnsafeBufferPointer { (b) throws(LineError) in
                var s = LineScanner(b)
                try s.members { (s, k) throws(LineError) in
                    let name = s.decode(k)
                    // Provider-routed keys can never match a transcript's model: not read.
                    let claude = name.range(of: "claude")
                    guard !name.contains("/"), claude.map({ $0.lowerBound == name.startIndex }) ?? true,
                          s.peek() == UInt8(ascii: "{") else { try s.skip(); return }
                    let e = try entry(&s)
                    guard e.mode == "chat" || e.mode == "responses" else { return }
                    guard e.rates["input_cost_per_token"] != nil || e.rates["output_cost_per_token"] != nil || !e.problems.isEmpty else { return }
                    let relevant = claude != nil || e.provider == "openai"
                    switch price(e) {
                    case .success(let p):
                        models[name] = p
                    case .failure(let why):
                        if relevant {
                            if relevantProblem == nil { relevantProblem = "\(name): \(why.message)" }
                        } else {
                            skipped.append("\(name): \(why.message)")
                        }
                    }
                }
                s.ws()
                guard s.i == s.end else { throw LineError("trailing characters after the JSON object", at: s.i) }
            }
        } catch {
            throw ImportError("price table \(source) (LiteLLM's format, no top-level \"models\"): \(error.description); give LiteLLM's model_prices_and_context_window.json, or Sluice's format ({\"models\": {…}})")
        }
        if let why = relevantProblem {
            throw ImportError("price table \(source) (LiteLLM's format): model \(why); correct or remove that entry (prices must be whole nano-dollars per token)")
        }
        guard !models.isEmpty else {
            throw ImportError("price table \(source) (LiteLLM's format, no top-level \"models\"): no chat model with input_cost_per_token and output_cost_per_token")
        }
        return PriceTable(models: models, skipped: skipped.sorted())
    }

    /// Reads one entry's object: the fields Sluice prices with, each checked; the rest skipped.
    static func entry(_ s: inout LineScanner) throws(LineError) -> Entry {
        var e = Entry()
        try s.members { (s, f) throws(LineError) in
            let field = s.decode(f)
            if field == "mode" { e.mode = try s.optionalString(); return }
            if field == "litellm_provider" { e.provider = try s.optionalString(); return }
            if field == "provider_specific_entry" {
                guard s.peek() == UInt8(ascii: "{") else { try s.skip(); return }
                try s.members { (s, g) throws(LineError) in
                    guard s.key(g, is: "fast") else { try s.skip(); return }
                    switch try value(&s, scale: 3) {
                    case .value(let v): e.fastMilli = v
                    case .absent: break
                    case .problem(let why): e.problems.append("provider_specific_entry.fast \(why) (expected a multiple with at most three decimals)")
                    }
                }
                return
            }
            guard let which = rateField(field) else { try s.skip(); return }
            switch try value(&s, scale: 9) {
            case .value(let v):
                if let above = which.above {
                    e.long[which.rate] = v
                    e.thresholds.insert(above)
                } else {
                    e.rates[which.rate] = v
                }
            case .absent: break
            case .problem(let why): e.problems.append("\(field) \(why)")
            }
        }
        return e
    }

    enum Value { case value(Int64), absent, problem(String) }

    /// A non-negative number read exactly as a count of 10⁻`scale` units; `null` is absent.
    static func value(_ s: inout LineScanner, scale: Int) throws(LineError) -> Value {
        let c = s.peek()
        if c == UInt8(ascii: "n") { try s.skip(); return .absent }
        guard c == UInt8(ascii: "-") || c &- 0x30 < 10 else { try s.skip(); return .problem("is not a number") }
        let r = try s.number()
        let text = UnsafeBufferPointer(start: s.p + r.lowerBound, count: r.count)
        guard let v = Money.parseDecimal(text, scale: scale), v >= 0 else { return .problem("\(String(decoding: text, as: UTF8.self)) is negative or too large") }
        guard Money.parseDecimal(text, scale: scale, exact: true) != nil else {
            return .problem("\(String(decoding: text, as: UTF8.self)) is not a whole number of \(scale == 9 ? "nano-dollars per token" : "thousandths")")
        }
        return .value(v)
    }

    static func price(_ e: Entry) -> Result<PriceTable.Price, ImportError> {
        if let first = e.problems.first { return .failure(ImportError(first)) }
        guard let input = e.rates["input_cost_per_token"], let output = e.rates["output_cost_per_token"] else {
            return .failure(ImportError("has no \(e.rates["input_cost_per_token"] == nil ? "input_cost_per_token" : "output_cost_per_token")"))
        }
        let cacheWrite = e.rates["cache_creation_input_token_cost"] ?? 0, cacheRead = e.rates["cache_read_input_token_cost"] ?? 0
        var p = PriceTable.Price(
            input: input, output: output, cacheWrite: cacheWrite,
            cacheWrite1h: e.rates["cache_creation_input_token_cost_above_1hr"] ?? input * 2,
            cacheRead: cacheRead, fastMilli: e.fastMilli)
        if !e.long.isEmpty {
            guard e.thresholds.count == 1, let above = e.thresholds.first else {
                return .failure(ImportError("has long-context rates above \(e.thresholds.count) prompt sizes (\(e.thresholds.sorted().map { "\($0 / 1000)k" }.joined(separator: ", "))); Sluice prices one"))
            }
            let li = e.long["input_cost_per_token"] ?? input
            p.longContext = PriceTable.LongContext(
                above: above, input: li, output: e.long["output_cost_per_token"] ?? output,
                cacheWrite: e.long["cache_creation_input_token_cost"] ?? cacheWrite,
                cacheWrite1h: e.long["cache_creation_input_token_cost_above_1hr"] ?? li * 2,
                cacheRead: e.long["cache_read_input_token_cost"] ?? cacheRead)
        }
        if let rate = p.inexactFastRate() {
            return .failure(ImportError("provider_specific_entry.fast: \(Money.multiple(milli: p.fastMilli!))× its \(rate) rate is not a whole number of nano-dollars per token"))
        }
        return .success(p)
    }
}
