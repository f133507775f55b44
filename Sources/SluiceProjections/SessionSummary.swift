import Foundation
import SluiceCore

/// The fold of one agent session's events: what `agent_sessions` holds for it.
///
/// Every field merges commutatively and associatively (sums, minimums, maximums, and "latest by
/// (timestamp, id)"), so folding events in any order, in any number of increments, gives the
/// same summary: the incrementally maintained row equals a rebuild from the log.
public struct SessionSummary: Sendable, Hashable {
    public var sessionId: UUID
    /// From the earliest event (ties broken by id).
    public var agentId: String
    public var agentVersion: String
    public var projectId: Int32
    public var context: JSONText
    public var firstEventAt: Timestamp
    public var lastEventAt: Timestamp
    /// The latest `session_end` event, if any.
    public var endedAt: Timestamp?
    /// `data.outcome` of the latest `session_end` that carries one.
    public var declaredOutcome: SessionOutcome?
    public var counters: SessionCounters
    /// The latest test run or build (by time): whether it passed.
    public var lastVerdict: Verdict?

    /// Identity of the earliest event, to break timestamp ties when merging.
    var firstKey: EventKey
    var contextKey: ContextKey
    var endKey: EventKey?
    var outcomeKey: EventKey?

    public struct Verdict: Sendable, Hashable {
        public var at: Timestamp
        var key: EventKey
        public var passed: Bool
    }
}

/// Orders events by (timestamp, id), the tie-break every "earliest/latest" rule uses.
struct EventKey: Sendable, Hashable, Comparable {
    var timestamp: Timestamp
    var id: UUID

    static func < (a: EventKey, b: EventKey) -> Bool {
        if a.timestamp != b.timestamp { return a.timestamp < b.timestamp }
        return a.id.uuidString < b.id.uuidString
    }
}

/// Which event a session's context comes from: the earliest `session_start` by (timestamp, id),
/// else the earliest event. `sluice_session_partials` gives each group the context of its earliest
/// event, which merges the same way.
struct ContextKey: Sendable, Hashable, Comparable {
    var fromStart: Bool
    var event: EventKey

    static func < (a: ContextKey, b: ContextKey) -> Bool {
        a.fromStart != b.fromStart ? a.fromStart : a.event < b.event
    }
}

/// How a session ended.
public enum SessionOutcome: String, Sendable, Hashable, CaseIterable {
    case success, failure, partial, cancelled

    /// devlog's TypeScript says `abandoned` where its schema says `cancelled`; both are accepted.
    init?(declared: String) {
        if declared == "abandoned" { self = .cancelled; return }
        self.init(rawValue: declared)
    }
}

/// Additive counters of a session (all merge by addition).
public struct SessionCounters: Sendable, Hashable {
    public var events = 0
    public var eventsByType: [String: Int] = [:]
    public var llmRequests = 0
    public var inputTokens: Int64 = 0
    public var outputTokens: Int64 = 0
    public var cacheCreationTokens: Int64 = 0
    public var cacheReadTokens: Int64 = 0
    /// Cost in nano-dollars (exact; see ``FixedPoint``).
    public var costNanoUSD: Int64 = 0
    public var toolCalls = 0
    public var toolFailures = 0
    public var filesRead = 0
    public var filesWritten = 0
    public var commands = 0
    public var errors = 0
    public var testsRun = 0
    public var testsPassed = 0
    public var builds = 0
    public var buildsSucceeded = 0

    public init() {}

    public var costUSD: Double { Double(costNanoUSD) / 1e9 }

    /// The counters of both. Sums saturate instead of trapping: no stored values can crash a fold
    /// (validation bounds each event's values; a session of many huge ones stops at the maximum).
    static func + (a: SessionCounters, b: SessionCounters) -> SessionCounters {
        var c = a
        c.events = c.events.saturatingAdd(b.events)
        c.eventsByType.merge(b.eventsByType) { $0.saturatingAdd($1) }
        c.llmRequests = c.llmRequests.saturatingAdd(b.llmRequests)
        c.inputTokens = c.inputTokens.saturatingAdd(b.inputTokens)
        c.outputTokens = c.outputTokens.saturatingAdd(b.outputTokens)
        c.cacheCreationTokens = c.cacheCreationTokens.saturatingAdd(b.cacheCreationTokens)
        c.cacheReadTokens = c.cacheReadTokens.saturatingAdd(b.cacheReadTokens)
        c.costNanoUSD = c.costNanoUSD.saturatingAdd(b.costNanoUSD)
        c.toolCalls = c.toolCalls.saturatingAdd(b.toolCalls)
        c.toolFailures = c.toolFailures.saturatingAdd(b.toolFailures)
        c.filesRead = c.filesRead.saturatingAdd(b.filesRead)
        c.filesWritten = c.filesWritten.saturatingAdd(b.filesWritten)
        c.commands = c.commands.saturatingAdd(b.commands)
        c.errors = c.errors.saturatingAdd(b.errors)
        c.testsRun = c.testsRun.saturatingAdd(b.testsRun)
        c.testsPassed = c.testsPassed.saturatingAdd(b.testsPassed)
        c.builds = c.builds.saturatingAdd(b.builds)
        c.buildsSucceeded = c.buildsSucceeded.saturatingAdd(b.buildsSucceeded)
        return c
    }
}

extension FixedWidthInteger {
    /// `self + other`, or the bound it would pass.
    func saturatingAdd(_ other: Self) -> Self {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }
}
