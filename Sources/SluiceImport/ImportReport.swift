import Foundation

/// The summary printed at the end of an import: text for people, JSON for programs.
public enum ImportReport {
    public static func text(_ s: ImportStats, inserted: Int?, rejected: [String], sink: String) -> String {
        var out: [String] = []
        let t = s.totals
        out.append("files \(s.files), lines \(s.lines) (\(String(format: "%.1f", Double(s.bytes) / 1e6)) MB), invalid lines \(s.invalidLines), incomplete last lines left for later \(s.incompleteLines)")
        out.append("sessions \(s.sessions.count), API requests \(t.requests) (copies read again \(s.duplicateRequests), usage corrections \(s.corrections), synthetic messages \(s.syntheticMessages))")
        out.append("tokens: input \(t.inputTokens), output \(t.outputTokens), cache write \(t.cacheCreationTokens), cache read \(t.cacheReadTokens)\(t.estimatedRequests > 0 ? " (\(t.estimatedRequests) requests estimated)" : "")")
        out.append("cost: $\(t.costUSD)\(unpriced(s))")
        if s.pendingToolCalls + s.openResponses + s.pendingRequests > 0 {
            out.append("waiting for more lines (a later run imports them): tool calls without a result \(s.pendingToolCalls), responses still streaming \(s.openResponses), Copilot requests still running \(s.pendingRequests)")
        }
        let types = s.eventsByType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        out.append("events \(s.events)\(inserted.map { ", new to the log \($0)" } ?? "") → \(sink)\(types.isEmpty ? "" : ": \(types)")")
        for p in s.problems.prefix(20) { out.append("  invalid: \(p)") }
        if s.problems.count > 20 { out.append("  … \(s.invalidLines - 20) more invalid lines (--json lists up to \(ImportStats.maximumProblems))") }
        for r in rejected.prefix(20) { out.append("  rejected by the server: \(r)") }
        return out.joined(separator: "\n")
    }

    /// `" (not included: …)"` naming the requests without a price and what to do about them.
    static func unpriced(_ s: ImportStats) -> String {
        guard s.unpricedRequests > 0 else { return "" }
        var hints: [String] = []
        if s.unpricedRequests > s.unpricedCopilotRequests { hints.append("add their prices with --prices") }
        if s.unpricedCopilotRequests > 0 { hints.append("Copilot requests are never priced") }
        return " (not included: \(s.unpricedRequests) requests without a price, models \(s.unpricedModels.sorted().joined(separator: ", ")); \(hints.joined(separator: "; ")))"
    }

    /// Costs are exact decimal strings (`"0.026404500"`), not floating-point numbers.
    public static func json(_ s: ImportStats, inserted: Int?, rejected: [String]) -> String {
        func totals(_ u: UsageTotals) -> [String: Any] {
            ["requests": u.requests, "inputTokens": u.inputTokens, "outputTokens": u.outputTokens,
             "cacheCreationTokens": u.cacheCreationTokens, "cacheReadTokens": u.cacheReadTokens,
             "costUSD": u.costUSD, "estimatedRequests": u.estimatedRequests]
        }
        var o: [String: Any] = [
            "files": s.files, "lines": s.lines, "bytes": s.bytes, "invalidLines": s.invalidLines,
            "incompleteLines": s.incompleteLines, "events": s.events, "eventsByType": s.eventsByType,
            "sessions": s.sessions.count, "duplicateRequests": s.duplicateRequests, "corrections": s.corrections, "syntheticMessages": s.syntheticMessages,
            "unpricedRequests": s.unpricedRequests, "unpricedModels": s.unpricedModels.sorted(),
            "pendingToolCalls": s.pendingToolCalls, "openResponses": s.openResponses, "pendingRequests": s.pendingRequests,
            "totals": totals(s.totals),
            "bySession": s.bySession.mapValues(totals), "byDay": s.byDay.mapValues(totals), "byModel": s.byModel.mapValues(totals),
            "problems": s.problems.map { ["file": $0.file, "line": $0.line, "message": $0.message] },
            "rejected": rejected,
        ]
        if let inserted { o["inserted"] = inserted }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .prettyPrinted])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
