import Foundation
import SluiceCore

/// Maps a VS Code Copilot chat session to agent events. Pure: a session object in, events out.
///
/// Per request: `user_interaction` (the prompt) and `llm_request` at its timestamp;
/// `llm_response` (the text parts) at timestamp + `result.timings.totalElapsed` with
/// `durationMs` = totalElapsed and `timeToFirstTokenMs` = firstProgress; a `tool_use` (plus a
/// file, command or search event for known tools) per `toolInvocationSerialized` part;
/// `error_encountered` for `result.errorDetails`. Tokens are the file's (``reportedTokens(_:result:)``),
/// else estimated (``TokenEstimator``) and marked `metrics.tokensEstimated: true`; no cost.
///
/// Every event is final when emitted, whenever the file is read: a request without a `result` is
/// still running, so only its prompt is emitted, the rest once the result is written (a request
/// that never gets one is never counted). No `session_end`: a chat can be taken up again any time
/// (the session projection ends a quiet session by its idle timeout).
public struct CopilotMapper: Sendable {
    public let options: ImportOptions
    public static let agentId = "github-copilot"

    public init(options: ImportOptions) { self.options = options }

    /// Where the session's workspace is: `workspaceStorage/<hash>` and its folder, if known.
    public struct Workspace: Sendable {
        public var storageHash: String?
        public var folder: String?
        public init(storageHash: String?, folder: String?) { self.storageHash = storageHash; self.folder = folder }
    }

    public func map(session s: [String: Any], fileName: String, workspace: Workspace,
                    into out: inout [AgentEvent], stats: inout ImportStats) {
        let rawId = (s["sessionId"] as? String) ?? (fileName as NSString).deletingPathExtension
        let sessionId = EventIds.session(rawId, source: "copilot")
        stats.sessions.insert(rawId)
        let requests = (s["requests"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        let created = Self.millis(s["creationDate"]) ?? requests.first.flatMap { Self.millis($0["timestamp"]) }
        let sessionModel = ((s["selectedModel"] as? [String: Any])?["identifier"] as? String).map(Self.modelName)
        let context = self.context(workspace)
        func emit(_ name: String, _ ms: Int64, _ type: String, parent: UUID? = nil, severity: Severity? = nil,
                  data: (inout JSONBuilder) -> Void, metrics: ((inout JSONBuilder) -> Void)? = nil) {
            var d = JSONBuilder()
            data(&d)
            var m: JSONText?
            if let metrics {
                var b = JSONBuilder()
                metrics(&b)
                if !b.isEmpty { m = b.finish() }
            }
            let e = AgentEvent(
                id: EventIds.id("copilot/\(rawId)/\(name)"), timestamp: Timestamp(microsecondsSinceEpoch: ms * 1000),
                eventType: type, agentId: Self.agentId, agentVersion: "", sessionId: sessionId, projectId: options.projectId,
                context: context, data: d.finish(), metrics: m, parentEventId: parent, severity: severity)
            stats.record(e)
            out.append(e)
        }
        guard let start = created else { return }
        emit("start", start, "session_start") { d in
            d.string("source", "vscode chat session")
            d.string("title", s["customTitle"] as? String)
            d.string("requester", s["requesterUsername"] as? String)
        }
        for (index, r) in requests.enumerated() {
            guard let ts = Self.millis(r["timestamp"]) else { continue }
            let key = (r["requestId"] as? String) ?? "index-\(index)"
            let prompt = ((r["message"] as? [String: Any])?["text"] as? String) ?? ""
            if !prompt.isEmpty {
                emit("\(key)/prompt", ts, "user_interaction") { d in
                    if d.string("prompt", prompt, limit: ClaudeLine.textLimit) { d.bool("truncated", true) }
                    d.string("requestId", key)
                }
            }
            guard let result = r["result"] as? [String: Any] else {
                stats.pendingRequests += 1  // still running: its answer, timing and tools come with its result
                continue
            }
            let model = (r["modelId"] as? String).map(Self.modelName) ?? sessionModel ?? ""
            let canceled = (r["isCanceled"] as? Bool) ?? false
            let (total, first) = Self.elapsed(r)
            let end = ts + total
            var text = ""
            var tools: [[String: Any]] = []
            var editedPaths: [String] = []
            for case let part as [String: Any] in (r["response"] as? [Any] ?? []) {
                let kind = part["kind"] as? String
                switch kind {
                case nil, "markdownContent":
                    let v = (part["value"] as? String) ?? ((part["content"] as? [String: Any])?["value"] as? String)
                    if let v { text += v }
                case "toolInvocationSerialized": tools.append(part)
                case "textEditGroup", "codeblockUri":
                    if let path = Self.path(part["uri"]), !editedPaths.contains(path) { editedPaths.append(path) }
                default: break
                }
            }
            let (reportedIn, reportedOut) = Self.reportedTokens(r, result: result)
            let estimated = reportedIn == nil || reportedOut == nil
            let tokens = ClaudeLine.Usage(input: reportedIn ?? TokenEstimator.estimate(prompt), output: reportedOut ?? TokenEstimator.estimate(text))

            let requestEvent = EventIds.id("copilot/\(rawId)/\(key)/request")
            emit("\(key)/request", ts, "llm_request") { d in
                d.string("model", model)
                d.string("requestId", key)
                d.string("agent", (r["agent"] as? [String: Any])?["id"] as? String)
            }
            stats.request(session: rawId, day: Timestamp(microsecondsSinceEpoch: ts * 1000).utcDay, model: model, usage: tokens, cost: nil, estimated: estimated, copilot: true)
            emit("\(key)/response", end, "llm_response", parent: requestEvent) { d in
                d.string("model", model)
                d.string("requestId", key)
                d.string("responseId", r["responseId"] as? String)
                if !text.isEmpty, d.string("response", text, limit: ClaudeLine.textLimit) { d.bool("truncated", true) }
                if canceled { d.bool("canceled", true) }
                if !tools.isEmpty { d.int("toolUses", tools.count) }
            } metrics: { m in
                m.string("model", model)
                m.int("inputTokens", tokens.input)
                m.int("outputTokens", tokens.output)
                m.bool("tokensEstimated", estimated)
                m.int("durationMs", total)
                if let first { m.int("timeToFirstTokenMs", first) }
            }
            if let error = (result["errorDetails"] as? [String: Any])?["message"] as? String {
                emit("\(key)/error", end, "error_encountered", parent: requestEvent, severity: .error) { d in
                    d.string("message", error, limit: 8192)
                    d.string("source", "copilot")
                }
            }
            for (k, tool) in tools.enumerated() {
                let toolId = (tool["toolId"] as? String) ?? "tool"
                let callId = (tool["toolCallId"] as? String) ?? "\(k)"
                let complete = tool["isComplete"] as? Bool
                let toolEvent = EventIds.id("copilot/\(rawId)/\(key)/tool/\(callId)")
                let invocation = Self.message(tool["invocationMessage"])
                let past = Self.message(tool["pastTenseMessage"])
                emit("\(key)/tool/\(callId)", ts, "tool_use", parent: requestEvent) { d in
                    d.string("toolName", toolId)
                    d.string("toolCallId", callId)
                    d.bool("success", complete.map { $0 && !canceled })
                    d.string("invocation", invocation, limit: 4096)
                    d.string("result", past, limit: 4096)
                }
                if let type = ToolKinds.derivedEventType(forTool: toolId) {
                    emit("\(key)/tool/\(callId)/\(type)", ts, type, parent: toolEvent) { d in
                        d.string("toolName", toolId)
                        d.string("toolCallId", callId)
                        d.bool("success", complete)
                        d.string("description", past ?? invocation, limit: 4096)
                        // The request's edit parts name the files it changed (which tool changed
                        // which is not recorded): one is `filePath`, several are `filePaths`.
                        if type == "file_modify" || type == "file_write" {
                            if editedPaths.count == 1 { _ = d.string("filePath", editedPaths[0]) }
                            if editedPaths.count > 1 { d.strings("filePaths", editedPaths) }
                        }
                    }
                }
            }
        }
    }

    private func context(_ w: Workspace) -> JSONText {
        var b = JSONBuilder()
        if let h = w.storageHash { b.string("workspaceId", "vscode:\(h)") }
        b.string("workspacePath", w.folder)
        b.string("machineId", options.machineId)
        b.string("hostname", options.hostname)
        return b.finish()
    }

    /// `copilot/gpt-4.1` → `gpt-4.1`.
    static func modelName(_ id: String) -> String {
        id.hasPrefix("copilot/") ? String(id.dropFirst(8)) : id
    }

    /// Unix milliseconds from a number or an RFC 3339 string.
    static func millis(_ v: Any?) -> Int64? {
        if let n = v as? NSNumber { return n.int64Value }
        if let s = v as? String, let t = Timestamp(rfc3339: s) { return t.microsecondsSinceEpoch / 1000 }
        return nil
    }

    static func elapsed(_ r: [String: Any]) -> (total: Int64, first: Int64?) {
        let timings = (r["result"] as? [String: Any])?["timings"] as? [String: Any]
        return (max(0, (timings?["totalElapsed"] as? NSNumber)?.int64Value ?? 0), (timings?["firstProgress"] as? NSNumber)?.int64Value)
    }

    /// The token counts the file records for a request, if it does: `result.usage`
    /// (`promptTokens`, `completionTokens`), else `result.metadata` (`promptTokens`,
    /// `outputTokens`: Copilot Chat 0.37 and later write them there for a request that completed
    /// normally), else the request's own `usage` (older files).
    static func reportedTokens(_ r: [String: Any], result: [String: Any]) -> (input: Int64?, output: Int64?) {
        func count(_ o: [String: Any]?, _ key: String) -> Int64? {
            guard let n = o?[key] as? NSNumber, n.doubleValue >= 0, n.doubleValue == n.doubleValue.rounded() else { return nil }
            return n.int64Value
        }
        let usage = result["usage"] as? [String: Any], metadata = result["metadata"] as? [String: Any], old = r["usage"] as? [String: Any]
        if let i = count(usage, "promptTokens"), let o = count(usage, "completionTokens") { return (i, o) }
        if let i = count(metadata, "promptTokens"), let o = count(metadata, "outputTokens") { return (i, o) }
        return (count(old, "promptTokens"), count(old, "completionTokens"))
    }

    /// A VS Code URI as serialized (`{"$mid": 1, "fsPath": …, "path": …, "scheme": "file"}`), or a
    /// string: a `file://` URI is given as its path.
    static func path(_ v: Any?) -> String? {
        if let s = v as? String {
            if s.hasPrefix("file://"), let url = URL(string: s), !url.path.isEmpty { return url.path }
            return s
        }
        guard let uri = v as? [String: Any] else { return nil }
        return (uri["fsPath"] as? String) ?? (uri["path"] as? String)
    }

    static func message(_ v: Any?) -> String? {
        if let s = v as? String { return s }
        return (v as? [String: Any])?["value"] as? String
    }
}
