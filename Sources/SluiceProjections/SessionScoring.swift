import SluiceCore

extension SessionSummary {
    /// Quality from 0 to 100 (two decimals), devlog's design extended with tool failures:
    ///
    ///     100 − min(errors × 5, 30)
    ///         − (1 − tests passed / tests run) × 20        when tests ran
    ///         − (1 − builds succeeded / builds) × 20       when builds ran
    ///         − (tool failures / tool calls) × 10          when tools were called
    ///
    /// clamped to 0…100.
    public var qualityScore: Double {
        let c = counters
        var score = 100.0
        score -= Double(min(c.errors * 5, 30))
        if c.testsRun > 0 { score -= (1 - Double(c.testsPassed) / Double(c.testsRun)) * 20 }
        if c.builds > 0 { score -= (1 - Double(c.buildsSucceeded) / Double(c.builds)) * 20 }
        if c.toolCalls > 0 { score -= Double(c.toolFailures) / Double(c.toolCalls) * 10 }
        return (min(100, max(0, score)) * 100).rounded() / 100
    }

    /// When the session ended: its `session_end`, or its last event once it has been idle for
    /// `idleTimeout` at `now`; nil while it is still going.
    public func endTime(now: Timestamp, idleTimeout: Duration) -> Timestamp? {
        if let endedAt { return max(endedAt, lastEventAt) }
        let idle = idleTimeout.components.seconds * 1_000_000 + idleTimeout.components.attoseconds / 1_000_000_000_000
        return now.microsecondsSinceEpoch - lastEventAt.microsecondsSinceEpoch >= idle ? lastEventAt : nil
    }

    /// The outcome: the one the `session_end` event declared, else, once ended, derived:
    /// `failure` when the last test run or build failed; `success` when there were no errors, no
    /// failed tool calls and every test and build passed; `partial` otherwise.
    public func outcome(now: Timestamp, idleTimeout: Duration) -> SessionOutcome? {
        if let declaredOutcome { return declaredOutcome }
        guard endTime(now: now, idleTimeout: idleTimeout) != nil else { return nil }
        if let v = lastVerdict, !v.passed { return .failure }
        let c = counters
        if c.errors == 0 && c.toolFailures == 0 && c.testsPassed == c.testsRun && c.buildsSucceeded == c.builds { return .success }
        return .partial
    }
}
