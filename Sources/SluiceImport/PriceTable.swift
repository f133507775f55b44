import Foundation
import SluiceCore

/// Per-model token prices, exact: each price is kept as integer nano-dollars per token.
///
/// The default table is `Resources/prices.json` (US dollars per million tokens); a file in the
/// same format, or LiteLLM's `model_prices_and_context_window.json` (``LiteLLMPriceFile``),
/// given with `--prices FILE` or `SLUICE_PRICES`, replaces or adds models.
public struct PriceTable: Sendable, Equatable {
    /// Nano-dollars per token.
    public struct Price: Sendable, Equatable {
        public var input: Int64
        public var output: Int64
        public var cacheWrite: Int64
        public var cacheWrite1h: Int64
        public var cacheRead: Int64
        /// Long-context pricing: every token of a request whose prompt (input + cache write +
        /// cache read tokens) is above `longContext.above` is billed at these rates instead.
        public var longContext: LongContext?
        /// Fast mode (`usage.speed: "fast"`): every rate (long-context ones too) times this, in
        /// thousandths (6× is 6000). Nil: the model has no fast rates, and a fast request of it
        /// is unpriced rather than priced at the standard ones.
        public var fastMilli: Int64?

        /// The exact cost of `usage` in nano-dollars; nil if it was served at a speed this price
        /// has no rates for.
        public func cost(_ u: ClaudeLine.Usage) -> Int64? {
            let times: Int64
            switch u.speed {
            case .standard: times = 1000
            case .fast:
                guard let f = fastMilli else { return nil }
                times = f
            case .other: return nil
            }
            if let long = longContext, u.input + u.cacheCreation + u.cacheRead > long.above {
                return Self.cost(u, long.input, long.output, long.cacheWrite, long.cacheWrite1h, long.cacheRead, times: times)
            }
            return Self.cost(u, input, output, cacheWrite, cacheWrite1h, cacheRead, times: times)
        }

        static func cost(_ u: ClaudeLine.Usage, _ input: Int64, _ output: Int64, _ cacheWrite: Int64, _ cacheWrite1h: Int64, _ cacheRead: Int64,
                         times: Int64) -> Int64 {
            // Each rate times the multiple is a whole number of nano-dollars (checked when read).
            func r(_ rate: Int64) -> Int64 { times == 1000 ? rate : rate * times / 1000 }
            let oneHour = min(u.cacheCreation1h, u.cacheCreation)
            return u.input * r(input) + u.output * r(output) + (u.cacheCreation - oneHour) * r(cacheWrite)
                + oneHour * r(cacheWrite1h) + u.cacheRead * r(cacheRead)
        }

        /// Every rate, with its name in a price file (for error messages).
        var rates: [(String, Int64)] {
            var all = [("input", input), ("output", output), ("cacheWrite", cacheWrite), ("cacheWrite1h", cacheWrite1h), ("cacheRead", cacheRead)]
            if let l = longContext {
                all += [("longContext.input", l.input), ("longContext.output", l.output), ("longContext.cacheWrite", l.cacheWrite),
                        ("longContext.cacheWrite1h", l.cacheWrite1h), ("longContext.cacheRead", l.cacheRead)]
            }
            return all
        }

        /// The first rate that fast mode's multiple does not make a whole number of nano-dollars
        /// per token (its name), if any.
        func inexactFastRate() -> String? {
            guard let f = fastMilli else { return nil }
            return rates.first { (_, rate) in
                let (product, overflow) = rate.multipliedReportingOverflow(by: f)
                return overflow || product % 1000 != 0
            }?.0
        }
    }

    /// The rates above a prompt size, in nano-dollars per token.
    public struct LongContext: Sendable, Equatable {
        /// Prompt tokens (input + cache write + cache read) above which these rates apply.
        public var above: Int64
        public var input: Int64
        public var output: Int64
        public var cacheWrite: Int64
        public var cacheWrite1h: Int64
        public var cacheRead: Int64
    }

    public private(set) var models: [String: Price]
    /// Entries of a price file that were left out, each with why (`model: what is wrong`): those
    /// of LiteLLM's file that are neither Claude nor OpenAI models and cannot be read exactly.
    public private(set) var skipped: [String] = []

    public init(models: [String: Price], skipped: [String] = []) {
        self.models = models
        self.skipped = skipped
    }

    /// The table shipped with Sluice.
    public static func bundled() throws -> PriceTable {
        guard let url = Bundle.module.url(forResource: "prices", withExtension: "json") else {
            throw ImportError("the bundled price table (prices.json) is missing from the build; rebuild sluice")
        }
        return try parse(Array(try Data(contentsOf: url)), source: "bundled prices.json")
    }

    /// The bundled table with the models of `overrideFile` (if any) replacing or added.
    public static func load(overrideFile: String?) throws -> PriceTable {
        var table = try bundled()
        if let path = overrideFile, !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ImportError("cannot read the price file \(path); give a readable JSON file like Sources/SluiceImport/Resources/prices.json or LiteLLM's model_prices_and_context_window.json")
            }
            table.merge(try parse(Array(data), source: path))
        }
        return table
    }

    /// The models of `other` replace or add to these. One without a fast multiple keeps the
    /// multiple of the entry of this table it replaces or would match (``price(for:)``), as
    /// ccusage keeps its own where LiteLLM's file gives none (LiteLLM's current file has dropped
    /// Opus 4.6's, but transcripts of its fast requests remain).
    public mutating func merge(_ other: PriceTable) {
        let base = self
        for (name, var price) in other.models {
            if price.fastMilli == nil, let inherited = base.price(for: name)?.fastMilli {
                price.fastMilli = inherited
                if price.inexactFastRate() != nil { price.fastMilli = nil }
            }
            models[name] = price
        }
        skipped += other.skipped
    }

    /// Parses a price file in either format, told apart by its content: Sluice's has a
    /// top-level `"models"` object, LiteLLM's has one object per model at the top level.
    public static func parse(_ bytes: [UInt8], source: String) throws -> PriceTable {
        try hasModelsKey(bytes) ? parseSluice(bytes, source: source) : LiteLLMPriceFile.parse(bytes, source: source)
    }

    /// Whether the top-level object has a `"models"` member (Sluice's format).
    static func hasModelsKey(_ bytes: [UInt8]) -> Bool {
        var found = false
        try? bytes.withUnsafeBufferPointer { (b) throws(LineError) in
            var s = LineScanner(b)
            try s.members { (s, k) throws(LineError) in
                if s.key(k, is: "models") { found = true }
                try s.skip()
            }
        }
        return found
    }

    /// Parses `{"models": {"name": {"input": 3, "output": 15, "cacheWrite": 3.75, "cacheRead": 0.3}}}`
    /// (US dollars per million tokens, so at most three decimals: whole nano-dollars per token;
    /// `cacheWrite` defaults to 1.25 × `input`, `cacheWrite1h` to twice `input`, `cacheRead` to
    /// a tenth of it). A model may add `"longContext": {"above": 200000, "input": 6, "output": 22.5, …}`
    /// (same defaults) and `"fast": 6`, fast mode's rates as a multiple of these.
    static func parseSluice(_ bytes: [UInt8], source: String) throws -> PriceTable {
        func fail(_ why: String) -> ImportError {
            ImportError("price table \(source): \(why); expected {\"models\": {\"claude-…\": {\"input\": 3, \"output\": 15, \"cacheWrite\": 3.75, \"cacheRead\": 0.3}}} in dollars per million tokens")
        }
        var models: [String: Price] = [:]
        do {
            try bytes.withUnsafeBufferPointer { (b) throws(LineError) in
                var s = LineScanner(b)
                try s.members { (s, k) throws(LineError) in
                    guard s.key(k, is: "models") else { try s.skip(); return }
                    try s.members { (s, name) throws(LineError) in
                        let model = s.decode(name)
                        var fields: [String: Int64] = [:], long: [String: Int64]?
                        func rates(_ s: inout LineScanner, _ name: String, into fields: inout [String: Int64]) throws(LineError) {
                            try s.members { (s, f) throws(LineError) in
                                let field = s.decode(f)
                                if field == "longContext", name == model {
                                    var l: [String: Int64] = [:]
                                    try rates(&s, "\(model).longContext", into: &l)
                                    long = l
                                    return
                                }
                                let r = try s.number()
                                let text = UnsafeBufferPointer(start: s.p + r.lowerBound, count: r.count)
                                let isCount = field == "above", isMultiple = field == "fast", scale = isCount ? 0 : 3
                                guard let v = Money.parseDecimal(text, scale: scale), v >= 0 else {
                                    throw LineError("\(name).\(field) is not a non-negative \(isCount ? "token count" : isMultiple ? "multiple" : "price")", at: r.lowerBound)
                                }
                                guard Money.parseDecimal(text, scale: scale, exact: true) != nil else {
                                    let limit = isCount ? "a token count (a whole number)" : isMultiple ? "a multiple (three at most)"
                                        : "a whole number of nano-dollars per token (three at most, in dollars per million tokens)"
                                    throw LineError("\(name).\(field) \(String(decoding: text, as: UTF8.self)) has more decimals than \(limit)", at: r.lowerBound)
                                }
                                fields[field] = v
                            }
                            guard fields["input"] != nil, fields["output"] != nil else {
                                throw LineError("\(name) needs at least input and output", at: s.i)
                            }
                        }
                        try rates(&s, model, into: &fields)
                        let input = fields["input"]!, output = fields["output"]!
                        var price = Price(
                            input: input, output: output, cacheWrite: fields["cacheWrite"] ?? input * 5 / 4,
                            cacheWrite1h: fields["cacheWrite1h"] ?? input * 2, cacheRead: fields["cacheRead"] ?? input / 10,
                            fastMilli: fields["fast"])
                        if let l = long {
                            guard let above = l["above"] else { throw LineError("\(model).longContext needs above (prompt tokens)", at: s.i) }
                            let li = l["input"]!
                            price.longContext = LongContext(
                                above: above, input: li, output: l["output"]!, cacheWrite: l["cacheWrite"] ?? li * 5 / 4,
                                cacheWrite1h: l["cacheWrite1h"] ?? li * 2, cacheRead: l["cacheRead"] ?? li / 10)
                        }
                        if let rate = price.inexactFastRate() {
                            throw LineError("\(model).fast: \(Money.multiple(milli: price.fastMilli!))× its \(rate) is not a whole number of nano-dollars per token", at: s.i)
                        }
                        models[model] = price
                    }
                }
            }
        } catch {
            throw fail(error.description)
        }
        guard !models.isEmpty else { throw fail("no models") }
        return PriceTable(models: models)
    }

    /// The price of `model`: the entry whose name is the longest prefix of the model name (after
    /// dropping a provider prefix such as `anthropic.` or `us.anthropic.`) followed only by a
    /// snapshot or deployment suffix (`-20250514`, `@20250805`, `-v1:0`), never by a version
    /// number: `claude-opus-4-7` is a model the table does not know (unpriced), not `claude-opus-4`.
    public func price(for model: String) -> Price? {
        var name = Substring(model)
        if let r = name.range(of: "claude") { name = name[r.lowerBound...] }
        if let p = models[String(name)] { return p }
        var best: (Int, Price)?
        for (k, p) in models where name.hasPrefix(k) {
            // A prefix must end at a separator: "claude-opus-4" is no prefix of "claude-opus-45".
            let next = name.index(name.startIndex, offsetBy: k.count)
            if next < name.endIndex, !Self.separators.contains(name[next]) { continue }
            if next < name.endIndex, Self.isVersion(name[name.index(after: next)...]) { continue }
            if k.count > (best?.0 ?? 0) { best = (k.count, p) }
        }
        return best?.1
    }

    private static let separators: Set<Character> = ["-", "@", ":", "."]

    /// Whether a suffix starts with a version number (`7`, `5-20250929`) rather than a snapshot
    /// date (eight digits) or a deployment tag (`v1:0`, `latest`).
    static func isVersion(_ suffix: Substring) -> Bool {
        let component = suffix.prefix { !separators.contains($0) }
        return !component.isEmpty && component.count < 8 && component.allSatisfy(\.isASCII) && component.allSatisfy(\.isNumber)
    }
}

/// An importer error whose message says what to do.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
