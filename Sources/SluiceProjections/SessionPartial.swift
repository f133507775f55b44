import Foundation
import SluiceCore

/// A row of `sluice_session_partials`: the fold of a group of a session's events that PostgreSQL
/// folded itself (same session, event type, agent, version, project and declared outcome), as a
/// ``SessionSummary`` that merges like the summary of any event.
enum SessionPartial {
    static let columns = """
        session_id, event_type, agent_id, agent_version, project_id, outcome, events, first_us, first_id, last_us,
        context_id, context, end_us, end_id, tokens_in, tokens_out, tokens_cache_write, tokens_cache_read,
        cost_nano_usd, tool_failures, errors
        """

    /// The summary of a row selected as ``columns``, or nil if a value is not what the function returns.
    static func summary(_ r: [String?]) -> SessionSummary? {
        guard r.count == 21, let session = r[0].flatMap(UUID.init(uuidString:)), let type = r[1],
              let project = r[4].flatMap({ Int32($0) }), let events = int(r[6]),
              let firstUs = int64(r[7]), let firstId = r[8].flatMap(UUID.init(uuidString:)), let lastUs = int64(r[9]),
              let contextId = r[10].flatMap(UUID.init(uuidString:)), let context = r[11].map(JSONText.init(jsonbOutput:)),
              let tokensIn = int64(r[14]), let tokensOut = int64(r[15]), let cacheWrite = int64(r[16]), let cacheRead = int64(r[17]),
              let cost = int64(r[18]), let toolFailures = int(r[19]), let errors = int(r[20])
        else { return nil }
        var c = SessionCounters()
        c.events = events
        c.eventsByType[type] = events
        c.inputTokens = tokensIn
        c.outputTokens = tokensOut
        c.cacheCreationTokens = cacheWrite
        c.cacheReadTokens = cacheRead
        c.costNanoUSD = cost
        c.errors = errors
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
        let first = EventKey(timestamp: Timestamp(microsecondsSinceEpoch: firstUs), id: firstId)
        // A group's context is its earliest event's.
        guard contextId == firstId else { return nil }
        let contextKey = ContextKey(fromStart: type == "session_start", event: first)
        var end: EventKey?
        if type == "session_end" {
            guard let us = int64(r[12]), let id = r[13].flatMap(UUID.init(uuidString:)) else { return nil }
            end = EventKey(timestamp: Timestamp(microsecondsSinceEpoch: us), id: id)
        }
        let outcome = end != nil ? r[5].flatMap(SessionOutcome.init(rawValue:)) : nil
        return SessionSummary(
            sessionId: session, agentId: r[2] ?? "", agentVersion: r[3] ?? "", projectId: project, context: context,
            firstEventAt: first.timestamp, lastEventAt: Timestamp(microsecondsSinceEpoch: lastUs), endedAt: end?.timestamp,
            declaredOutcome: outcome, counters: c, lastVerdict: nil, firstKey: first, contextKey: contextKey,
            endKey: end, outcomeKey: outcome != nil ? end : nil)
    }

    private static func int64(_ s: String?) -> Int64? { s.flatMap { Int64($0) } }
    private static func int(_ s: String?) -> Int? { s.flatMap { Int($0) } }
}
