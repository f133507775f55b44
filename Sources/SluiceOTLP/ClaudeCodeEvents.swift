import OpenTelemetryProto
import SluiceCore

/// Claude Code's OpenTelemetry events (log records named `claude_code.*`) as agent events.
///
/// | Claude Code event | eventType | data | metrics |
/// |---|---|---|---|
/// | `claude_code.user_prompt` | `user_interaction` | `prompt` (unless redacted), `promptLength`, `commandName`, `commandSource` | |
/// | `claude_code.api_request` | `llm_request` | `model`, `requestId`, `querySource`, `speed`, `effort` | `inputTokens`, `outputTokens`, `cacheReadTokens`, `cacheCreationTokens`, `costUSD` (`cost_usd`, else `cost_usd_micros` / 10⁶), `durationMs` |
/// | `claude_code.api_error` | `error_encountered` (severity `error`) | `model`, `error`, `statusCode`, `attempt`, `requestId` | `durationMs` |
/// | `claude_code.tool_result` | `tool_use` | `toolName`, `toolUseId`, `success`, `error`, `errorType`, `decision`, `decisionSource`, `toolParameters`, `command` | `durationMs` |
/// | `claude_code.tool_decision` | `tool_decision` | `toolName`, `toolUseId`, `decision`, `source`, `toolParameters` | |
///
/// Every event also keeps all of its attributes, as sent, in `data.attributes`.
enum ClaudeCodeEvents {
    static let prefix = "claude_code."
    static let agentId = "claude-code"
    static let serviceName = "claude-code"
    /// What Claude Code sends as `prompt` when `OTEL_LOG_USER_PROMPTS` is not set.
    static let redacted = "<REDACTED>"

    struct Mapped {
        var eventType: String
        var data = JSONObjectBuilder()
        var metrics: JSONObjectBuilder?
        var severity: Severity?
    }

    /// The mapping of a known event (`name` without the prefix), or nil for any other.
    static func map(_ name: String, _ a: Attributes) -> Mapped? {
        switch name {
        case "user_prompt":
            var m = Mapped(eventType: KnownEventType.userInteraction.rawValue)
            if let prompt = a.string("prompt"), prompt != redacted { m.data.set("prompt", prompt) }
            m.data.set("promptLength", a.number("prompt_length"))
            m.data.set("commandName", a.text("command_name"))
            m.data.set("commandSource", a.text("command_source"))
            return m

        case "api_request":
            var m = Mapped(eventType: KnownEventType.llmRequest.rawValue)
            m.data.set("model", a.text("model"))
            m.data.set("requestId", a.text("request_id"))
            m.data.set("querySource", a.text("query_source"))
            m.data.set("speed", a.text("speed"))
            m.data.set("effort", a.text("effort"))
            var metrics = JSONObjectBuilder()
            metrics.set("inputTokens", a.number("input_tokens"))
            metrics.set("outputTokens", a.number("output_tokens"))
            metrics.set("cacheReadTokens", a.number("cache_read_tokens"))
            metrics.set("cacheCreationTokens", a.number("cache_creation_tokens"))
            // Newer versions also send cost_usd_micros (an integer); used when cost_usd is absent.
            metrics.set("costUSD", a.number("cost_usd") ?? a.int("cost_usd_micros").map { .double(Double($0) / 1_000_000) })
            metrics.set("durationMs", a.number("duration_ms"))
            m.metrics = metrics
            return m

        case "api_error":
            var m = Mapped(eventType: KnownEventType.errorEncountered.rawValue, severity: .error)
            m.data.set("model", a.text("model"))
            m.data.set("error", a.text("error"))
            m.data.set("statusCode", a.number("status_code"))
            m.data.set("attempt", a.number("attempt"))
            m.data.set("requestId", a.text("request_id"))
            m.data.set("source", "api")
            m.metrics = durationOnly(a)
            return m

        case "tool_result":
            var m = Mapped(eventType: KnownEventType.toolUse.rawValue)
            m.data.set("toolName", a.text("tool_name") ?? a.text("name"))
            m.data.set("toolUseId", a.text("tool_use_id"))
            m.data.set("success", a.bool("success").map(JSONTree.bool))
            m.data.set("error", a.text("error"))
            m.data.set("errorType", a.text("error_type"))
            m.data.set("decision", a.text("decision_type") ?? a.text("decision"))
            m.data.set("decisionSource", a.text("decision_source") ?? a.text("source"))
            let parameters = a.string("tool_parameters").flatMap(parsedObject)
            m.data.set("toolParameters", parameters)
            if case .object(let members)? = parameters,
               let command = members.last(where: { $0.0 == "full_command" })?.1 ?? members.last(where: { $0.0 == "bash_command" })?.1 {
                m.data.set("command", command)
            }
            m.metrics = durationOnly(a)
            return m

        case "tool_decision":
            var m = Mapped(eventType: "tool_decision")
            m.data.set("toolName", a.text("tool_name"))
            m.data.set("toolUseId", a.text("tool_use_id"))
            m.data.set("decision", a.text("decision"))
            m.data.set("source", a.text("source"))
            m.data.set("toolParameters", a.string("tool_parameters").flatMap(parsedObject))
            return m

        default:
            return nil
        }
    }

    private static func durationOnly(_ a: Attributes) -> JSONObjectBuilder? {
        guard let d = a.number("duration_ms") else { return nil }
        var metrics = JSONObjectBuilder()
        metrics.set("durationMs", d)
        return metrics
    }

    /// `tool_parameters` is a JSON object in a string; kept as the object when it parses.
    private static func parsedObject(_ text: String) -> JSONTree? {
        guard let value = JSONValue(json: text), case .object = value else { return text.isEmpty ? nil : .string(text) }
        return value.tree
    }
}

extension JSONValue {
    var tree: JSONTree {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n): .double(n)
        case .string(let s): .string(s)
        case .array(let a): .array(a.map(\.tree))
        case .object(let o): .object(o.keys.sorted().map { ($0, o[$0]!.tree) })
        }
    }
}
