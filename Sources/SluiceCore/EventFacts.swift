/// The hot fields of an event: what the projections read of it, extracted once, when it is
/// written, into the fact columns of `agent_events` (migrations/0025_event_facts.sql), so that no
/// fold parses its `jsonb` for them.
///
/// The rules are the SQL metric functions' (SQL/functions/sluice_num.sql and its neighbours,
/// named on each property), and a row without facts is read by those functions instead
/// (functions/sluice_fold_facts.sql). So ``init(_:)`` answers nil for an event it cannot read
/// exactly as PostgreSQL does: a member key written with escapes, a number with an exponent or
/// more than ``ExactDecimal/maximumDigits`` digits, a tool status that is not ASCII. Such rows are
/// stored without facts; EventFactsAgreementTests checks the two readings agree.
public struct EventFacts: Sendable, Hashable {
    /// The `agent_events.facts` value of rows whose fact columns hold these rules' values.
    public static let version: Int16 = 1

    /// `metrics.durationMs` (sluice_duration_ms).
    public var durationMs: ExactDecimal?
    /// `metrics.inputTokens`, else `promptTokens` (sluice_tokens_in).
    public var tokensIn: ExactDecimal?
    /// `metrics.outputTokens`, else `responseTokens` (sluice_tokens_out).
    public var tokensOut: ExactDecimal?
    /// `metrics.cacheReadTokens`.
    public var tokensCacheRead: ExactDecimal?
    /// `metrics.cacheCreationTokens`.
    public var tokensCacheWrite: ExactDecimal?
    /// `metrics.cost`, else `costUSD` (sluice_cost_usd).
    public var costUSD: ExactDecimal?
    /// The first string of `data.model`, `metrics.model`, `context.model`; "" when none (sluice_model).
    public var model: String
    /// Tool calls only: `data.toolName`, `tool` or `name`, "" when none (sluice_tool_name); nil for other events.
    public var toolName: String?
    /// A tool call that reports a failure (sluice_is_tool_failure).
    public var toolFailure: Bool
    /// Whether the session fold may take the event in bulk (sluice_session_simple).
    public var sessionSimple: Bool

    public init?(_ event: AgentEvent) {
        let isTool = event.eventType == "tool_use" || event.eventType == "tool_invocation"
        var metrics = Members(), data = Members(), context = Members()
        // Each object is read once; a key with escapes is one jsonb could match to a name read here.
        if let m = event.metrics { guard metrics.read(m, Members.metricKeys) else { return nil } }
        guard data.read(event.data, Members.dataKeys), context.read(event.context, Members.contextKeys) else { return nil }

        var simple = !(event.eventType == "test_run" || event.eventType == "build_trigger")
        var numbers: [ExactDecimal?] = []
        for k in 0..<Members.numberKeys {
            switch metrics.values[k] {
            case .number(let n)?:
                guard let n else { return nil }
                numbers.append(n.magnitude(isBelowNineTimesTenToThe: 15) ? n : nil)
                // sluice_plain_count for the token counts, the 9e9 bound for the costs.
                if k < Members.tokenKeys {
                    if n.significand < 0 || !n.magnitude(isBelowNineTimesTenToThe: 15) || !n.isWhole { simple = false }
                } else if k < Members.tokenKeys + 2, !n.magnitude(isBelowNineTimesTenToThe: 9) {
                    simple = false
                }
            default:
                numbers.append(nil)
            }
        }
        tokensIn = numbers[0] ?? numbers[1]
        tokensOut = numbers[2] ?? numbers[3]
        tokensCacheWrite = numbers[4]
        tokensCacheRead = numbers[5]
        costUSD = numbers[6] ?? numbers[7]
        durationMs = numbers[8]

        model = data.string(Members.dataModel) ?? metrics.string(Members.metricsModel) ?? context.string(0) ?? ""
        toolName = isTool ? (data.string(0) ?? data.string(1) ?? data.string(2) ?? "") : nil

        var failure = false
        if isTool {
            if case .literal(false)? = data.values[Members.dataSuccess] { failure = true }
            if case .string(let status)? = data.values[Members.dataStatus] {
                guard status.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
                if ["error", "failed", "failure"].contains(status.lowercased()) { failure = true }
            }
            switch data.values[Members.dataError] {
            case nil, .literal(nil)?, .literal(false)?: break
            default: failure = true
            }
            if event.severity == .error || event.severity == .critical { failure = true }
        }
        toolFailure = failure
        sessionSimple = simple
    }

    /// The members of one object that the rules read, by position in a key list.
    private struct Members {
        enum Value {
            /// A number: nil when ``ExactDecimal`` cannot hold it exactly.
            case number(ExactDecimal?)
            case string(String)
            /// true, false, or null (nil).
            case literal(Bool?)
            case other
        }

        static let numberKeys = 9
        static let tokenKeys = 6
        static let metricKeys: [StaticString] = [
            "inputTokens", "promptTokens", "outputTokens", "responseTokens", "cacheCreationTokens", "cacheReadTokens",
            "cost", "costUSD", "durationMs", "model",
        ]
        static let metricsModel = 9
        static let dataKeys: [StaticString] = ["toolName", "tool", "name", "model", "success", "status", "error"]
        static let dataModel = 3, dataSuccess = 4, dataStatus = 5, dataError = 6
        static let contextKeys: [StaticString] = ["model"]

        var values: [Value?] = Array(repeating: nil, count: 10)

        func string(_ k: Int) -> String? {
            if case .string(let s)? = values[k] { return s }
            return nil
        }

        /// Reads the top-level members of `object` named in `keys` (the last of duplicates wins, as in
        /// jsonb); false when a member key holds an escape.
        mutating func read(_ object: JSONText, _ keys: [StaticString]) -> Bool {
            object.bytes.withUnsafeBufferPointer { b -> Bool in
                var s = JSONScanner(b)
                guard s.peek() == UInt8(ascii: "{") else { return true }  // `->` on a non-object is NULL
                s.index += 1
                while let c = s.peek(), c == UInt8(ascii: "\"") {
                    let k = s.index
                    guard let escaped = try? s.scanString(), !escaped else { return false }
                    let key = (k + 1)..<(s.index - 1)
                    guard (try? s.expect(UInt8(ascii: ":"), ":")) != nil else { return false }
                    s.skipWhitespace()
                    guard let value = try? s.skipValueStructurally() else { return false }
                    if let slot = keys.firstIndex(where: { s.bytes(key, equal: $0) }) {
                        values[slot] = Self.value(b, value, s)
                    }
                    if s.peek() == UInt8(ascii: ",") { s.index += 1 }
                }
                return true
            }
        }

        private static func value(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ s: borrowing JSONScanner) -> Value {
            switch b[r.lowerBound] {
            case UInt8(ascii: "\""): .string(s.decodeString(r))
            case UInt8(ascii: "t"): .literal(true)
            case UInt8(ascii: "f"): .literal(false)
            case UInt8(ascii: "n"): .literal(nil)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): .number(ExactDecimal(b, r))
            default: .other
            }
        }
    }
}
