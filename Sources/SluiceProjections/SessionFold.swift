import SluiceCore

/// How one event counts toward its session. Pure: the rules of the `agent_sessions` projection.
///
/// - Tokens: `metrics.inputTokens` (or devlog's `promptTokens`), `metrics.outputTokens` (or
///   `responseTokens`), `metrics.cacheCreationTokens`, `metrics.cacheReadTokens`, on any event.
/// - Cost: `metrics.cost` or `metrics.costUSD`, in US dollars, on any event.
/// - LLM requests: `llm_request` events. Tool calls: `tool_use` / `tool_invocation`; a tool call
///   failed when `data.success` is false, `data.status` is `"error"`/`"failed"`, `data.error` is
///   present, or its severity is `error`/`critical`.
/// - Files read: `file_read`; written: `file_write`, `file_create`, `file_modify`, `file_delete`.
///   Commands: `command_execute` / `command_execution`.
/// - Errors: `error_encountered` events, and any event of severity `error` or `critical`.
/// - Tests: `test_run` counts `data.total` tests of which `data.passed` passed when given, else one
///   test that passed unless `data.success` is false. Builds: `build_trigger`, succeeded unless
///   `data.success` is false.
public enum SessionFold {
    /// The summary of a single event.
    public static func summary(of e: AgentEvent) -> SessionSummary {
        let key = EventKey(timestamp: e.timestamp, id: e.id)
        var c = SessionCounters()
        c.events = 1
        c.eventsByType[e.eventType] = 1
        let m = e.metrics
        c.inputTokens = m.flatMap { count($0, "inputTokens") ?? count($0, "promptTokens") } ?? 0
        c.outputTokens = m.flatMap { count($0, "outputTokens") ?? count($0, "responseTokens") } ?? 0
        c.cacheCreationTokens = m.flatMap { count($0, "cacheCreationTokens") } ?? 0
        c.cacheReadTokens = m.flatMap { count($0, "cacheReadTokens") } ?? 0
        c.costNanoUSD = m.flatMap { $0.fixedPoint("cost", scale: 9) ?? $0.fixedPoint("costUSD", scale: 9) } ?? 0
        let severe = e.severity == .error || e.severity == .critical
        var verdict: SessionSummary.Verdict?
        switch e.eventType {
        case "llm_request": c.llmRequests = 1
        case "tool_use", "tool_invocation":
            c.toolCalls = 1
            if toolFailed(e.data) || severe { c.toolFailures = 1 }
        case "file_read": c.filesRead = 1
        case "file_write", "file_create", "file_modify", "file_delete": c.filesWritten = 1
        case "command_execute", "command_execution": c.commands = 1
        case "error_encountered": c.errors = 1
        case "test_run":
            let total = count(e.data, "total").map(Int.init)
            let passed = count(e.data, "passed").map(Int.init)
            if let total, let passed, total >= 0 {
                c.testsRun = total
                c.testsPassed = min(max(passed, 0), total)
            } else {
                c.testsRun = 1
                c.testsPassed = e.data.bool("success") == false ? 0 : 1
            }
            verdict = .init(at: e.timestamp, key: key, passed: c.testsPassed == c.testsRun)
        case "build_trigger":
            c.builds = 1
            c.buildsSucceeded = e.data.bool("success") == false ? 0 : 1
            verdict = .init(at: e.timestamp, key: key, passed: c.buildsSucceeded == 1)
        default: break
        }
        if severe && e.eventType != "error_encountered" { c.errors += 1 }
        let isEnd = e.eventType == "session_end"
        let declared = isEnd ? e.data.string("outcome").flatMap(SessionOutcome.init(declared:)) : nil
        return SessionSummary(
            sessionId: e.sessionId, agentId: e.agentId, agentVersion: e.agentVersion, projectId: e.projectId,
            context: e.context, firstEventAt: e.timestamp, lastEventAt: e.timestamp, endedAt: isEnd ? e.timestamp : nil,
            declaredOutcome: declared, counters: c, lastVerdict: verdict, firstKey: key,
            contextKey: ContextKey(fromStart: e.eventType == "session_start", event: key),
            endKey: isEnd ? key : nil, outcomeKey: declared != nil ? key : nil)
    }

    /// Folds `events` (of one session, in any order) into `into`.
    public static func fold(_ events: some Sequence<AgentEvent>, into start: SessionSummary? = nil) -> SessionSummary? {
        var acc = start
        for e in events {
            let s = summary(of: e)
            acc = acc.map { merge($0, s) } ?? s
        }
        return acc
    }

    /// Combines two summaries of the same session. Commutative and associative.
    public static func merge(_ a: SessionSummary, _ b: SessionSummary) -> SessionSummary {
        var r = a.firstKey <= b.firstKey ? a : b
        let other = a.firstKey <= b.firstKey ? b : a
        r.firstEventAt = min(a.firstEventAt, b.firstEventAt)
        r.lastEventAt = max(a.lastEventAt, b.lastEventAt)
        if other.contextKey < r.contextKey { r.context = other.context; r.contextKey = other.contextKey }
        if let k = other.endKey, r.endKey.map({ $0 < k }) ?? true { r.endKey = k; r.endedAt = other.endedAt }
        if let k = other.outcomeKey, r.outcomeKey.map({ $0 < k }) ?? true { r.outcomeKey = k; r.declaredOutcome = other.declaredOutcome }
        if let v = other.lastVerdict, r.lastVerdict.map({ $0.key < v.key }) ?? true { r.lastVerdict = v }
        r.counters = a.counters + b.counters
        return r
    }

    private static func count(_ json: JSONText, _ key: String) -> Int64? {
        guard let v = json.number(key), v.isFinite, v >= 0, v < 9e15 else { return nil }
        return Int64(v.rounded())
    }

    private static func toolFailed(_ data: JSONText) -> Bool {
        if data.bool("success") == false { return true }
        if let status = data.string("status")?.lowercased(), status == "error" || status == "failed" || status == "failure" { return true }
        if let error = data.member("error"), error != Array("null".utf8), error != Array("false".utf8) { return true }
        return false
    }
}
