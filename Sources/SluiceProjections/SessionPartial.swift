import Foundation
import SluiceCore
import SluiceStore

/// A row of `sluice_session_partials`: the fold of a group of a session's events that PostgreSQL
/// folded itself (same session, event type, agent, version, project and declared outcome), as a
/// ``SessionSummary`` that merges like the summary of any event.
enum SessionPartial {
    static let columns = """
        session_id, event_type, agent_id, agent_version, project_id, outcome, events, first_us, first_id, last_us,
        context_id, context, end_us, end_id, tokens_in, tokens_out, tokens_cache_write, tokens_cache_read,
        cost_nano_usd, tool_failures, errors
        """

    /// The summary of a row selected as ``columns``; a value that is not what the function
    /// returns throws.
    static func summary(_ r: Row) throws(StoreError) -> SessionSummary {
        guard r.values.count == 21 else {
            throw .protocolViolation("sluice_session_partials returned \(r.values.count) columns; the session fold reads 21")
        }
        let type = try r.decode(String.self, at: 1)
        let events = try r.decode(Int.self, at: 6)
        let firstId = try r.decode(UUID.self, at: 8)
        let toolFailures = try r.decode(Int.self, at: 19)
        var c = SessionCounters()
        c.events = events
        c.eventsByType[type] = events
        c.inputTokens = try r.decode(Int64.self, at: 14)
        c.outputTokens = try r.decode(Int64.self, at: 15)
        c.cacheCreationTokens = try r.decode(Int64.self, at: 16)
        c.cacheReadTokens = try r.decode(Int64.self, at: 17)
        c.costNanoUSD = try r.decode(Int64.self, at: 18)
        c.errors = try r.decode(Int.self, at: 20)
        switch type {
        case "llm_request": c.llmRequests = events
        case "tool_use", "tool_invocation":
            c.toolCalls = events
            c.toolFailures = toolFailures
        case "file_read": c.filesRead = events
        case "file_write", "file_create", "file_modify", "file_delete": c.filesWritten = events
        case "command_execute", "command_execution": c.commands = events
        default: break
        }
        let first = EventKey(timestamp: Timestamp(microsecondsSinceEpoch: try r.decode(Int64.self, at: 7)), id: firstId)
        // A group's context is its earliest event's.
        guard try r.decode(UUID.self, at: 10) == firstId else {
            throw .protocolViolation("sluice_session_partials: a group's context is not its first event's (session \(r.values[0] ?? "?"))")
        }
        let contextKey = ContextKey(fromStart: type == "session_start", event: first)
        var end: EventKey?
        if type == "session_end" {
            end = EventKey(timestamp: Timestamp(microsecondsSinceEpoch: try r.decode(Int64.self, at: 12)), id: try r.decode(UUID.self, at: 13))
        }
        let outcome = end != nil ? try r.decodeIfPresent(String.self, at: 5).flatMap(SessionOutcome.init(rawValue:)) : nil
        return SessionSummary(
            sessionId: try r.decode(UUID.self, at: 0), agentId: try r.decodeIfPresent(String.self, at: 2) ?? "",
            agentVersion: try r.decodeIfPresent(String.self, at: 3) ?? "", projectId: try r.decode(Int32.self, at: 4),
            context: try r.decode(JSONText.self, at: 11), firstEventAt: first.timestamp,
            lastEventAt: Timestamp(microsecondsSinceEpoch: try r.decode(Int64.self, at: 9)), endedAt: end?.timestamp,
            declaredOutcome: outcome, counters: c, lastVerdict: nil, firstKey: first, contextKey: contextKey,
            endKey: end, outcomeKey: outcome != nil ? end : nil)
    }
}
