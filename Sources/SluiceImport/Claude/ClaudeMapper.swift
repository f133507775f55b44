import Foundation
import SluiceCore

/// How imported events are attributed.
public struct ImportOptions: Sendable {
    /// The positive 32-bit project id every imported event gets.
    public var projectId: Int32
    /// This machine's id (the hierarchy's machine), and its host name.
    public var machineId: String
    public var hostname: String
    public var prices: PriceTable
    /// A response still streaming at the end of what was read is emitted once the file has had
    /// no new line for this long (by the last line's timestamp); until then it waits.
    public var settleMicroseconds: Int64

    public init(projectId: Int32 = 1, machineId: String, hostname: String, prices: PriceTable, settleSeconds: Int64 = 60) {
        self.projectId = projectId
        self.machineId = machineId
        self.hostname = hostname
        self.prices = prices
        self.settleMicroseconds = settleSeconds * 1_000_000
    }
}

/// Maps Claude Code transcript lines to agent events. Pure: lines in, events out; its whole
/// memory is ``ClaudeMapperState`` (saved by `--watch` between runs).
///
/// - Each API request is counted once: the lines of one response (same `message.id` and
///   `requestId`) are one request, and so is any copy of it in another line or file; its usage is
///   the field-wise maximum of every snapshot read (snapshots only grow; the larger copy wins). A
///   message id already counted under another request id is a replay, skipped (`/btw` re-logs
///   the conversation under new request ids). Synthetic messages (`model: "<synthetic>"`) are
///   not requests.
/// - One `llm_request` (at the time the request was sent: the previous line) and one
///   `llm_response` (at its first line) per request, with model, and the tokens and cost of the
///   response's first line. Each later line (or copy) whose usage exceeds what was stored adds a
///   `usage_correction` at the response's time with the difference, named by the request and its
///   new totals: whichever line a run stopped at, the events of that run are a subset of those of
///   a run over the whole file, so cutting the import anywhere stores the same totals.
/// - `tool_use` per tool call, joined with its `tool_result` (success or error, duration), plus
///   `file_read` / `file_write` / `file_modify` / `command_execute` / `search_performed`. A call
///   is emitted when its result is read, or without one (`status: no_result`, an id of its own)
///   once a later request starts in the same file; until then it waits, however long.
/// - `user_interaction` for prompts; `error_encountered` for API errors and error system lines;
///   `session_start` at the session's first main-chain line (sidechain lines never start one). No `session_end`: a transcript never says it is over (the session
///   projection ends a quiet session by its idle timeout).
///
/// Every event is emitted once, final: its id, time and content depend only on the transcript's
/// lines. The wall clock decides only when a response still streaming at a file's end is closed
/// (`settleMicroseconds`), and a later line of it then brings a correction, not a second copy.
public struct ClaudeMapper: Sendable {
    public var state: ClaudeMapperState
    public let options: ImportOptions
    private let machineContext: [UInt8]
    /// Prices already looked up, by the transcript's model name (a lookup compares strings).
    private var priceCache: [String: PriceTable.Price?] = [:]
    /// The session of the previous line (most lines repeat it).
    private var lastSession = ""

    public static let agentId = "claude-code"

    public init(options: ImportOptions, state: ClaudeMapperState = .init()) {
        self.options = options
        self.state = state
        var b = JSONBuilder()
        b.string("machineId", options.machineId)
        b.string("hostname", options.hostname)
        var bytes = b.finish().bytes
        bytes.removeFirst()  // `"machineId":…}`: spliced after each context's own members
        machineContext = bytes
    }

    // MARK: - Lines

    /// Maps one parsed line of `file`.
    public mutating func consume(_ line: ClaudeLine, file: String, into out: inout [AgentEvent], stats: inout ImportStats) {
        guard let sid = line.sessionId, let ts = line.timestamp?.microsecondsSinceEpoch else { return }
        if sid != lastSession {
            stats.sessions.insert(sid)
            lastSession = sid
        }
        let origin = ClaudeMapperState.Origin(
            session: sid, cwd: line.cwd, gitBranch: line.gitBranch,
            version: line.version ?? state.sessions[sid]?.version ?? "", sidechain: line.isSidechain, agentId: line.agentId)

        // In place: a copy of the session's state would make the next change of its pending
        // tools copy them.
        if let v = line.version, state.sessions[sid]?.version != v { state.sessions[sid, default: .init()].version = v }
        // A session starts at its main chain's first line: a sidechain file read alone (or first)
        // says nothing of when, so every run gives the event the same time.
        if state.sessions[sid]?.started != true, !line.isSidechain {
            state.sessions[sid, default: .init()].started = true
            emit(&out, &stats, name: "claude/session/\(sid)/start", ts: ts, type: "session_start", origin: origin) { d in
                d.string("source", "claude-code transcript")
            }
        }

        // Taken out while it changes, so that the streamed text grows in place rather than
        // being copied at every line.
        var fileState = state.files.removeValue(forKey: file) ?? .init()
        defer {
            fileState.previousTimestamp = ts
            fileState.lastTimestamp = max(fileState.lastTimestamp ?? .min, ts)
            state.files[file] = fileState
        }

        switch line.kind {
        case .assistant:
            assistant(line, ts: ts, origin: origin, path: file, file: &fileState, out: &out, stats: &stats)
        case .user:
            user(line, ts: ts, origin: origin, out: &out, stats: &stats)
        case .system:
            if line.level == "error", firstCopy(sid, line.uuid) {
                emit(&out, &stats, name: "claude/\(sid)/\(line.uuid ?? String(ts))/error", ts: ts, type: "error_encountered",
                     origin: origin, severity: .error) { d in
                    d.string("message", line.systemContent ?? line.subtype ?? "error", limit: 8192)
                    d.string("source", "system")
                    d.string("subtype", line.subtype)
                }
            }
        case .summary, .other:
            break
        }
    }

    private mutating func assistant(_ line: ClaudeLine, ts: Int64, origin: ClaudeMapperState.Origin, path: String,
                                    file: inout ClaudeMapperState.FileState, out: inout [AgentEvent], stats: inout ImportStats) {
        let model = line.model ?? ""
        if model == "<synthetic>" {
            stats.syntheticMessages += 1
            if line.isApiErrorMessage, firstCopy(origin.session, line.uuid) {
                let text = line.blocks.compactMap { if case .text(let t) = $0 { t } else { nil } }.joined(separator: "\n")
                emit(&out, &stats, name: "claude/\(origin.session)/\(line.uuid ?? String(ts))/error", ts: ts,
                     type: "error_encountered", origin: origin, severity: .error) { d in
                    d.string("message", text.isEmpty ? "API error" : text, limit: 8192)
                    d.string("source", "api")
                }
            }
            return
        }
        let key = "\(line.messageId ?? "uuid:\(line.uuid ?? String(ts))")|\(line.requestId ?? "")"
        let snapshot = ClaudeMapperState.Snapshot(usage: line.usage ?? .init(), costNano: line.costNano)
        // A line of the file's last request continues it, even once `--settle` closed it.
        let continuing = file.lastKey == key
        if !continuing {
            if let open = file.open { close(open, out: &out, stats: &stats) }
            file.open = nil
            closeUnanswered(session: origin.session, file: path, out: &out, stats: &stats)
            file.lastKey = key
        }
        if let counted = state.counted[key] {
            // Counted already: a later line of the response, or a copy. Usage beyond what is
            // stored is stored as a correction; a copy in another place adds nothing else.
            if !continuing { stats.duplicateRequests += 1 }
            if let stored = counted.snapshot {
                let grown = stored.union(snapshot)
                if grown != stored {
                    state.counted[key]?.snapshot = grown
                    correct(key: key, line: line, model: model, origin: origin, at: counted.firstTimestamp, from: stored, to: grown, out: &out, stats: &stats)
                }
            }
            guard continuing else { return }
        } else if let mid = line.messageId, state.countedMessageIds.contains(mid) {
            // The message counted under another request id: a replay (`/btw`), nothing emitted.
            if !continuing { stats.duplicateRequests += 1 }
            return
        } else {
            state.counted[key] = .init(snapshot: snapshot, firstTimestamp: ts)
            if let mid = line.messageId { state.countedMessageIds.insert(mid) }
            file.open = .init(
                key: key, messageId: line.messageId, requestId: line.requestId, origin: origin, firstTimestamp: ts,
                sentTimestamp: file.previousTimestamp ?? ts, model: model, usage: snapshot.usage,
                costNano: snapshot.costNano, text: "", stopReason: line.stopReason)
        }
        // Once closed (`--settle`), a response's later lines still bring their tool calls.
        let isOpen = file.open != nil
        var open = file.open ?? .init(
            key: key, messageId: line.messageId, requestId: line.requestId, origin: origin, firstTimestamp: ts,
            sentTimestamp: ts, model: model, usage: .init(), costNano: nil, text: "", stopReason: nil)
        file.open = nil  // one reference to the text while it grows
        if let r = line.stopReason { open.stopReason = r }
        var responseId: String?
        for block in line.blocks {
            switch block {
            case .text(let t):
                guard !t.isEmpty else { continue }
                if !open.text.isEmpty { open.text += "\n\n" }
                open.text += t
            case .thinking:
                open.thinking = true
            case .toolUse(let id, let name, let input):
                open.toolUses += 1
                guard !id.isEmpty else { continue }
                if responseId == nil { responseId = EventIds.id("claude/response/\(key)").lowercased }
                state.sessions[origin.session, default: .init()].pendingTools[id] = .init(
                    id: id, file: path, name: name, input: input, timestamp: ts, origin: origin, responseEventId: responseId!)
            case .toolResult, .other:
                continue
            }
        }
        if isOpen { file.open = open }
    }

    private mutating func user(_ line: ClaudeLine, ts: Int64, origin: ClaudeMapperState.Origin,
                               out: inout [AgentEvent], stats: inout ImportStats) {
        var texts: [String] = []
        if let t = line.contentText { texts.append(t) }
        for block in line.blocks {
            switch block {
            case .text(let t): texts.append(t)
            case .toolResult(let toolUseId, let isError, let text):
                guard let tool = state.sessions[origin.session]?.pendingTools.removeValue(forKey: toolUseId) else { continue }
                emitTool(tool, resultAt: ts, success: !isError, error: text, out: &out, stats: &stats)
            default: continue
            }
        }
        let prompt = texts.joined(separator: "\n")
        guard !line.isMeta, !prompt.isEmpty, firstCopy(origin.session, line.uuid) else { return }
        emit(&out, &stats, name: "claude/\(origin.session)/\(line.uuid ?? String(ts))/prompt", ts: ts, type: "user_interaction", origin: origin) { d in
            // Sidechain prompts come from the parent agent, not the user: kept out of the chat.
            if d.string(origin.sidechain ? "text" : "prompt", prompt, limit: ClaudeLine.textLimit) { d.bool("truncated", true) }
            d.string("uuid", line.uuid)
        }
    }

    /// Whether the line `uuid` of `session` is seen for the first time (always, without a uuid).
    private mutating func firstCopy(_ session: String, _ uuid: String?) -> Bool {
        guard let uuid else { return true }
        return state.emittedLines.insert("\(session)/\(uuid)").inserted
    }

    // MARK: - Closing

    /// Emits, without a result, the tool calls of `session` read from `file` that are still
    /// waiting: a new request has started there, and the API takes one only after every earlier
    /// call has its result, so none is coming.
    private mutating func closeUnanswered(session: String, file: String, out: inout [AgentEvent], stats: inout ImportStats) {
        guard let pending = state.sessions[session]?.pendingTools, !pending.isEmpty else { return }
        for tool in pending.values.filter({ $0.file == file }).sorted(by: { $0.id < $1.id }) {
            state.sessions[session]?.pendingTools[tool.id] = nil
            emitTool(tool, resultAt: nil, success: nil, error: nil, out: &out, stats: &stats)
        }
    }

    /// At the end of a pass over the files: closes the responses still open in files that have
    /// had no new line for `settleMicroseconds` at `now` (the wall clock, injected for tests), and
    /// counts what still waits (tool calls without a result, responses still streaming).
    public mutating func finishPass(now: Timestamp, out: inout [AgentEvent], stats: inout ImportStats) {
        let t = now.microsecondsSinceEpoch
        for (path, f) in state.files.sorted(by: { $0.key < $1.key }) {
            guard let open = f.open, let last = f.lastTimestamp, t - last >= options.settleMicroseconds else { continue }
            close(open, out: &out, stats: &stats)
            state.files[path]?.open = nil
        }
        stats.pendingToolCalls = state.sessions.values.reduce(0) { $0 + $1.pendingTools.count }
        stats.openResponses = state.files.values.reduce(0) { $0 + ($1.open == nil ? 0 : 1) }
    }

    /// The price of `model`, looked up once.
    private mutating func price(_ model: String) -> PriceTable.Price? {
        if let cached = priceCache[model] { return cached }
        let price = options.prices.price(for: model)
        priceCache[model] = price
        return price
    }

    /// A snapshot's cost: the transcript's own, else by the price table (nil if unpriced: a model
    /// the table does not know, or a speed it has no rates for).
    private mutating func cost(_ s: ClaudeMapperState.Snapshot, model: String) -> Int64? {
        s.costNano ?? price(model)?.cost(s.usage)
    }

    private mutating func close(_ r: ClaudeMapperState.OpenResponse, out: inout [AgentEvent], stats: inout ImportStats) {
        let cost = cost(.init(usage: r.usage, costNano: r.costNano), model: r.model)
        let start = Timestamp(microsecondsSinceEpoch: r.firstTimestamp)
        stats.request(session: r.origin.session, day: start.utcDay, model: r.model, usage: r.usage, cost: cost)
        let requestId = EventIds.id("claude/request/\(r.key)")
        emit(&out, &stats, id: requestId, ts: r.sentTimestamp, type: "llm_request", origin: r.origin) { d in
            d.string("model", r.model)
            d.string("messageId", r.messageId)
            d.string("requestId", r.requestId)
        }
        emit(&out, &stats, id: EventIds.id("claude/response/\(r.key)"), ts: r.firstTimestamp, type: "llm_response", origin: r.origin, parent: requestId) { d in
            d.string("model", r.model)
            d.string("messageId", r.messageId)
            d.string("requestId", r.requestId)
            if !r.text.isEmpty {
                if d.string(r.origin.sidechain ? "text" : "response", r.text, limit: ClaudeLine.textLimit) { d.bool("truncated", true) }
            }
            d.string("stopReason", r.stopReason)
            if r.toolUses > 0 { d.int("toolUses", r.toolUses) }
            if r.thinking { d.bool("thinking", true) }
        } metrics: { m in
            m.string("model", r.model)
            m.int("inputTokens", r.usage.input)
            m.int("outputTokens", r.usage.output)
            m.int("cacheCreationTokens", r.usage.cacheCreation)
            m.int("cacheReadTokens", r.usage.cacheRead)
            m.dollars("costUSD", nano: cost)
            if cost != nil { m.string("costSource", r.costNano != nil ? "transcript" : "price table") }
            if r.usage.speed != .standard { m.string("speed", r.usage.speed.name) }
            if r.firstTimestamp >= r.sentTimestamp { m.int("durationMs", (r.firstTimestamp - r.sentTimestamp) / 1000) }
        }
    }

    /// A `usage_correction`: the usage a later line (or a larger copy) of the request `key` reports
    /// beyond what its events carry (`from`), as differences. Its id is named by the request and
    /// the new totals, its time is the response's, so any import that reads this line stores the
    /// same event: once, however the file was cut between runs.
    private mutating func correct(key: String, line: ClaudeLine, model: String, origin: ClaudeMapperState.Origin, at ts: Int64,
                                  from old: ClaudeMapperState.Snapshot, to new: ClaudeMapperState.Snapshot,
                                  out: inout [AgentEvent], stats: inout ImportStats) {
        let u = new.usage, o = old.usage
        let delta = ClaudeLine.Usage(input: u.input - o.input, output: u.output - o.output, cacheCreation: u.cacheCreation - o.cacheCreation,
                                     cacheRead: u.cacheRead - o.cacheRead, cacheCreation1h: u.cacheCreation1h - o.cacheCreation1h)
        let newCost = cost(new, model: model), oldCost = cost(old, model: model)
        let deltaCost: Int64? = newCost == nil && oldCost == nil ? nil : (newCost ?? 0) - (oldCost ?? 0)
        stats.correction(session: origin.session, day: Timestamp(microsecondsSinceEpoch: ts).utcDay, model: model, usage: delta, cost: deltaCost)
        // The speed is named only when it is not standard (the ids of standard requests never change).
        let speed = u.speed == .standard ? "" : "/\(u.speed.name)"
        let name = "claude/usage/\(key)/\(u.input)/\(u.output)/\(u.cacheCreation)/\(u.cacheRead)/\(u.cacheCreation1h)/\(new.costNano.map(String.init) ?? "")\(speed)"
        emit(&out, &stats, name: name, ts: ts, type: "usage_correction", origin: origin, parent: EventIds.id("claude/response/\(key)")) { d in
            d.string("model", model)
            d.string("messageId", line.messageId)
            d.string("requestId", line.requestId)
        } metrics: { m in
            m.string("model", model)
            m.int("inputTokens", delta.input)
            m.int("outputTokens", delta.output)
            m.int("cacheCreationTokens", delta.cacheCreation)
            m.int("cacheReadTokens", delta.cacheRead)
            m.dollars("costUSD", nano: deltaCost)
            if deltaCost != nil { m.string("costSource", new.costNano != nil ? "transcript" : "price table") }
            if u.speed != .standard { m.string("speed", u.speed.name) }
        }
    }

    private mutating func emitTool(_ tool: ClaudeMapperState.PendingTool, resultAt: Int64?, success: Bool?, error: String?,
                                   out: inout [AgentEvent], stats: inout ImportStats) {
        // A call closed without its result has an id of its own: should a result still turn up,
        // the completed call is stored beside it, not dropped as a copy.
        let name = resultAt == nil ? "claude/tool/\(tool.id)/no_result" : "claude/tool/\(tool.id)"
        let toolEventId = EventIds.id(name)
        let input = tool.input
        emit(&out, &stats, id: toolEventId, ts: tool.timestamp, type: "tool_use", origin: tool.origin,
             parent: UUID(uuidString: tool.responseEventId)) { d in
            d.string("toolName", tool.name)
            d.string("toolUseId", tool.id)
            d.bool("success", success)
            if success == false { d.string("error", error ?? "tool error", limit: ClaudeLine.errorTextLimit) }
            if resultAt == nil { d.string("status", "no_result") }
            d.string("filePath", input.filePath)
            d.string("path", input.path)
            d.string("command", input.command)
            d.string("pattern", input.pattern ?? input.query)
            d.string("url", input.url)
            d.string("description", input.description)
            d.string("subagentType", input.subagentType)
        } metrics: { m in
            if let r = resultAt, r >= tool.timestamp { m.int("durationMs", (r - tool.timestamp) / 1000) }
        }
        guard let type = ToolKinds.derivedEventType(forTool: tool.name) else { return }
        emit(&out, &stats, name: "\(name)/\(type)", ts: tool.timestamp, type: type, origin: tool.origin, parent: toolEventId) { d in
            d.string("toolName", tool.name)
            d.string("toolUseId", tool.id)
            d.bool("success", success)
            switch type {
            case "command_execute": d.string("command", input.command)
            case "search_performed":
                d.string("query", input.pattern ?? input.query ?? input.url)
                d.string("path", input.path)
            default: d.string("filePath", input.filePath ?? input.path)
            }
        }
    }

    // MARK: - Events

    private func emit(_ out: inout [AgentEvent], _ stats: inout ImportStats, name: String, ts: Int64, type: String,
                      origin: ClaudeMapperState.Origin, parent: UUID? = nil, severity: Severity? = nil,
                      data: (inout JSONBuilder) -> Void, metrics: ((inout JSONBuilder) -> Void)? = nil) {
        emit(&out, &stats, id: EventIds.id(name), ts: ts, type: type, origin: origin, parent: parent, severity: severity, data: data, metrics: metrics)
    }

    private func emit(_ out: inout [AgentEvent], _ stats: inout ImportStats, id: UUID, ts: Int64, type: String,
                      origin: ClaudeMapperState.Origin, parent: UUID? = nil, severity: Severity? = nil,
                      data: (inout JSONBuilder) -> Void, metrics: ((inout JSONBuilder) -> Void)? = nil) {
        var d = JSONBuilder(capacity: 256)
        data(&d)
        var m: JSONText?
        if let metrics {
            var b = JSONBuilder(capacity: 192)
            metrics(&b)
            if !b.isEmpty { m = b.finish() }
        }
        let event = AgentEvent(
            id: id, timestamp: Timestamp(microsecondsSinceEpoch: ts), eventType: type, agentId: Self.agentId,
            agentVersion: origin.version, sessionId: EventIds.session(origin.session, source: "claude"),
            projectId: options.projectId, context: context(origin), data: d.finish(), metrics: m,
            parentEventId: parent, severity: severity)
        stats.record(event)
        out.append(event)
    }

    /// `cwd`, `gitBranch`, the workspace (`<machine>:<cwd>`) and machine, and for sidechains
    /// `isSidechain` and the subagent's `agentId`.
    private func context(_ o: ClaudeMapperState.Origin) -> JSONText {
        var b = JSONBuilder(capacity: 160)
        b.string("cwd", o.cwd)
        b.string("gitBranch", o.gitBranch.flatMap { $0.isEmpty ? nil : $0 })
        if let cwd = o.cwd { b.string("workspaceId", "\(options.machineId):\(cwd)") }
        if o.sidechain { b.bool("isSidechain", true) }
        b.string("agentId", o.agentId)
        var bytes = b.bytes
        if !b.isEmpty { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: machineContext)
        return JSONText(uncheckedBuiltBytes: bytes)
    }
}
