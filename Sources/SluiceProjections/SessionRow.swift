import Foundation
import SluiceCore
import SluiceStore

/// A ``SessionSummary`` as an `agent_sessions` row, and back.
struct SessionRow {
    static let columns = "id, agent_id, agent_version, project_id, start_time, end_time, duration, context, metrics, outcome, quality_score, last_event_at, fold"

    /// The row's values as text parameters, in ``columns`` order.
    static func parameters(_ s: SessionSummary, now: Timestamp, idleTimeout: Duration) -> [String?] {
        let end = s.endTime(now: now, idleTimeout: idleTimeout)
        // Whole seconds in an `integer` column: a session spanning more than 68 years stops there.
        let duration = end.map { end in
            let (span, overflow) = end.microsecondsSinceEpoch.subtractingReportingOverflow(s.firstEventAt.microsecondsSinceEpoch)
            return String(overflow ? Int64(Int32.max) : min(max(span / 1_000_000, 0), Int64(Int32.max)))
        }
        return [
            s.sessionId.lowercased, s.agentId, s.agentVersion, String(s.projectId), s.firstEventAt.rfc3339,
            end?.rfc3339, duration, s.context.description, metricsJSON(s.counters),
            s.outcome(now: now, idleTimeout: idleTimeout)?.rawValue, String(format: "%.2f", s.qualityScore),
            s.lastEventAt.rfc3339, foldJSON(s),
        ]
    }

    /// `metrics`: the counters, with cost as an exact decimal number of US dollars.
    static func metricsJSON(_ c: SessionCounters) -> String {
        let byType = c.eventsByType.sorted { $0.key < $1.key }.map { key, n in
            var k: [UInt8] = []
            appendJSONString(key, to: &k)
            return "\(String(decoding: k, as: UTF8.self)):\(n)"
        }.joined(separator: ",")
        return """
            {"events":\(c.events),"eventsByType":{\(byType)},"llmRequests":\(c.llmRequests),\
            "inputTokens":\(c.inputTokens),"outputTokens":\(c.outputTokens),"cacheCreationTokens":\(c.cacheCreationTokens),\
            "cacheReadTokens":\(c.cacheReadTokens),"costUSD":\(decimal(c.costNanoUSD, scale: 9)),"toolCalls":\(c.toolCalls),\
            "toolFailures":\(c.toolFailures),"filesRead":\(c.filesRead),"filesWritten":\(c.filesWritten),"commands":\(c.commands),\
            "errors":\(c.errors),"testsRun":\(c.testsRun),"testsPassed":\(c.testsPassed),"builds":\(c.builds),\
            "buildsSucceeded":\(c.buildsSucceeded)}
            """
    }

    /// `fold`: the merge state beyond the counters.
    static func foldJSON(_ s: SessionSummary) -> String {
        func key(_ k: EventKey?) -> String { k.map { "[\($0.timestamp.microsecondsSinceEpoch),\"\($0.id.lowercased)\"]" } ?? "null" }
        let c = s.contextKey
        let context = c.fromStart
            ? "[\(Int64.min),\"\(c.event.id.lowercased)\",\(c.event.timestamp.microsecondsSinceEpoch)]" : key(c.event)
        let verdict = s.lastVerdict.map { "[\($0.key.timestamp.microsecondsSinceEpoch),\"\($0.key.id.lowercased)\",\($0.passed)]" } ?? "null"
        return """
            {"first":\(key(s.firstKey)),"context":\(context),"end":\(key(s.endKey)),\
            "outcome":\(s.declaredOutcome.map { "\"\($0.rawValue)\"" } ?? "null"),"outcomeKey":\(key(s.outcomeKey)),"verdict":\(verdict)}
            """
    }

    /// Reads a row selected as ``columns``; a value that is not what the projector writes throws.
    static func summary(_ row: Row) throws(StoreError) -> SessionSummary {
        let id = try row.decode(UUID.self, at: 0)
        let fold = try row.decode(JSONText.self, at: 12)
        let metrics = try row.decode(JSONText.self, at: 8)
        func unreadable(_ what: String) -> StoreError {
            .protocolViolation("agent_sessions row \(id.lowercased) cannot be read back: \(what) in \(fold)")
        }
        guard let first = eventKey(fold.elements("first")) else { throw unreadable("fold.first") }
        guard let contextKey = Self.contextKey(fold.elements("context")) else { throw unreadable("fold.context") }
        var c = SessionCounters()
        // Counters are whole numbers: read exactly (through a Double, sums past 2^53 would round).
        func n64(_ k: String) -> Int64 { metrics.fixedPoint(k, scale: 0) ?? 0 }
        func n(_ k: String) -> Int { Int(n64(k)) }
        c.events = n("events"); c.llmRequests = n("llmRequests")
        c.inputTokens = n64("inputTokens"); c.outputTokens = n64("outputTokens")
        c.cacheCreationTokens = n64("cacheCreationTokens"); c.cacheReadTokens = n64("cacheReadTokens")
        c.costNanoUSD = metrics.fixedPoint("costUSD", scale: 9) ?? 0
        c.toolCalls = n("toolCalls"); c.toolFailures = n("toolFailures"); c.filesRead = n("filesRead")
        c.filesWritten = n("filesWritten"); c.commands = n("commands"); c.errors = n("errors")
        c.testsRun = n("testsRun"); c.testsPassed = n("testsPassed"); c.builds = n("builds"); c.buildsSucceeded = n("buildsSucceeded")
        if case .object(let byType)? = metrics.member("eventsByType").flatMap({ JSONValue(json: String(decoding: $0, as: UTF8.self)) }) {
            for (k, v) in byType { c.eventsByType[k] = Int(v.doubleValue ?? 0) }
        }
        let endKey = eventKey(fold.elements("end"))
        var verdict: SessionSummary.Verdict?
        if let v = fold.elements("verdict"), v.count == 3, let key = eventKey(Array(v.prefix(2))) {
            verdict = .init(at: key.timestamp, key: key, passed: v[2] == Array("true".utf8))
        }
        return SessionSummary(
            sessionId: id, agentId: try row.decodeIfPresent(String.self, at: 1) ?? "",
            agentVersion: try row.decodeIfPresent(String.self, at: 2) ?? "", projectId: try row.decode(Int32.self, at: 3),
            context: try row.decode(JSONText.self, at: 7), firstEventAt: try row.decode(Timestamp.self, at: 4),
            lastEventAt: try row.decode(Timestamp.self, at: 11), endedAt: endKey?.timestamp,
            declaredOutcome: fold.string("outcome").flatMap(SessionOutcome.init(rawValue:)), counters: c,
            lastVerdict: verdict, firstKey: first, contextKey: contextKey, endKey: endKey, outcomeKey: eventKey(fold.elements("outcomeKey")))
    }

    /// `[microseconds, "id"]`, or for a `session_start` `[Int64.min, "id", microseconds]`. Rows
    /// written before the instant was kept hold `[Int64.min, "id"]`: a start at the least instant.
    private static func contextKey(_ parts: [[UInt8]]?) -> ContextKey? {
        guard let parts, parts.count == 2 || parts.count == 3, let key = eventKey(Array(parts.prefix(2))) else { return nil }
        let fromStart = key.timestamp.microsecondsSinceEpoch == .min
        guard parts.count == 3 else { return ContextKey(fromStart: fromStart, event: key) }
        guard fromStart, let us = Int64(String(decoding: parts[2], as: UTF8.self)) else { return nil }
        return ContextKey(fromStart: true, event: EventKey(timestamp: Timestamp(microsecondsSinceEpoch: us), id: key.id))
    }

    /// `[microseconds, "id"]`, read exactly: instants far from 1970 pass 2^53 µs, past a Double's precision.
    private static func eventKey(_ parts: [[UInt8]]?) -> EventKey? {
        guard let parts, parts.count == 2, let us = Int64(String(decoding: parts[0], as: UTF8.self)), parts[1].first == UInt8(ascii: "\""),
              let id = UUID(uuidString: String(decoding: parts[1].dropFirst().dropLast(), as: UTF8.self)) else { return nil }
        return EventKey(timestamp: Timestamp(microsecondsSinceEpoch: us), id: id)
    }
}

/// An exact decimal rendering of `value × 10^-scale`.
func decimal(_ value: Int64, scale: Int) -> String {
    var unit: Int64 = 1
    for _ in 0..<scale { unit *= 10 }
    let sign = value < 0 ? "-" : ""
    let a = value.magnitude
    let whole = a / UInt64(unit), frac = a % UInt64(unit)
    guard frac != 0 else { return "\(sign)\(whole)" }
    var f = String(frac)
    f = String(repeating: "0", count: scale - f.count) + f
    while f.hasSuffix("0") { f.removeLast() }
    return "\(sign)\(whole).\(f)"
}
