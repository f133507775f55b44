import Testing
@testable import SluiceProjections

@Suite struct StepPacingTests {
    static let interval = Duration.milliseconds(250)

    func step(events: Int, caughtUp: Bool = true, ran: Bool = true) -> Projector.Step {
        Projector.Step(ran: ran, hourlyRows: 0, sessions: 0, horizon: "1", caughtUp: caughtUp, events: events)
    }

    /// Steps of `took` each, a batch waiting for a writer `share` of the time, for `seconds`; returns the last pause.
    func run(_ pacing: inout StepPacing, took: Duration, share: Double, for seconds: Double, caughtUp: Bool = true) -> Duration {
        var pause = Duration.zero
        var elapsed = 0.0
        repeat {
            let cycle = took + pause
            pause = pacing.pause(after: step(events: 3_000, caughtUp: caughtUp), took: took, backlog: cycle * share, over: cycle)
            elapsed += (took + pause) / .seconds(1)
        } while elapsed < seconds
        return pause
    }

    @Test func stepsEveryIntervalCountingTheStepsOwnTime() {
        var pacing = StepPacing(interval: Self.interval)
        #expect(pacing.pause(after: step(events: 100), took: .milliseconds(100), backlog: .zero, over: .milliseconds(100)) == .milliseconds(150))
    }

    /// At a steady rate a long step is not followed by a pause: it would only add to the lag.
    @Test func aLongStepIsFollowedAtOnceWhileIngestHasWritersToSpare() {
        var pacing = StepPacing(interval: Self.interval)
        #expect(pacing.pause(after: step(events: 3_000), took: .milliseconds(400), backlog: .milliseconds(40), over: .milliseconds(400)) == .zero)
    }

    @Test func pausesAsLongAsTheStepTookWhileIngestIsShortOfWriters() {
        var pacing = StepPacing(interval: Self.interval)
        // A burst: batches wait for a writer half the time. Within a few seconds each step is followed by its own length.
        #expect(run(&pacing, took: .milliseconds(400), share: 0.5, for: 5) == .milliseconds(400))
        #expect(pacing.pressure > pacing.busyShare)
        // …also while behind: ingest comes first.
        #expect(pacing.pause(after: step(events: 50_000, caughtUp: false), took: .seconds(1), backlog: .seconds(1), over: .seconds(1)) == .seconds(1))
    }

    /// A moment of contention at a steady rate (one long step during which batches waited) is no burst.
    /// A step that took minutes (TimescaleDB refreshes of hundreds of late days) under pressure
    /// pauses ten intervals, not as long again.
    @Test func aVeryLongStepPausesTenIntervalsAtMost() {
        var pacing = StepPacing(interval: Self.interval)
        _ = run(&pacing, took: .milliseconds(400), share: 0.5, for: 5)
        #expect(pacing.pause(after: step(events: 3_000), took: .seconds(480), backlog: .seconds(240), over: .seconds(480)) == Self.interval * 10)
    }

    @Test func aMomentaryBacklogDoesNotPause() {
        var pacing = StepPacing(interval: Self.interval)
        _ = run(&pacing, took: .milliseconds(100), share: 0, for: 5)
        #expect(pacing.pause(after: step(events: 3_000), took: .milliseconds(350), backlog: .milliseconds(300), over: .milliseconds(500)) == .zero)
        #expect(pacing.pause(after: step(events: 3_000), took: .milliseconds(300), backlog: .milliseconds(150), over: .milliseconds(300)) == .zero)
        // The stall of a bench run at half rate: batches waited 0.54 s of a 0.61 s step (the rule
        // that looked at each step alone paused 0.73 s after it, and an event waited 2.3 s).
        var fresh = StepPacing(interval: Self.interval)
        #expect(fresh.pause(after: step(events: 4_000), took: .milliseconds(610), backlog: .milliseconds(540), over: .milliseconds(610)) == .zero)
    }

    /// After a burst the pressure fades within seconds, and the parts fold their backlog flat out.
    @Test func thePartsCatchUpOnceTheBurstIsOver() {
        var pacing = StepPacing(interval: Self.interval)
        _ = run(&pacing, took: .milliseconds(500), share: 0.8, for: 10, caughtUp: false)
        #expect(pacing.pressure > 0.7)
        #expect(run(&pacing, took: .milliseconds(500), share: 0, for: 8, caughtUp: false) == .zero)
        #expect(pacing.pressure < pacing.busyShare)
    }

    @Test func aBacklogIsFoldedWithoutPauseWhileIngestIsNotBusy() {
        var pacing = StepPacing(interval: Self.interval)
        #expect(pacing.pause(after: step(events: 50_000, caughtUp: false), took: .milliseconds(100), backlog: .zero, over: .milliseconds(100)) == .zero)
    }

    @Test func anIdlePartPollsAtHalfTheRate() {
        var pacing = StepPacing(interval: Self.interval)
        #expect(pacing.pause(after: step(events: 0), took: .milliseconds(10), backlog: .zero, over: .milliseconds(10)) == .milliseconds(490))
        // Busy ingest, nothing folded yet: no reason to wait longer.
        _ = run(&pacing, took: .milliseconds(100), share: 1, for: 5)
        #expect(pacing.pause(after: step(events: 0), took: .milliseconds(10), backlog: .milliseconds(10), over: .milliseconds(10)) == .milliseconds(490))
    }

    @Test func aFailedOrLockedStepWaitsForTheNextTick() {
        var pacing = StepPacing(interval: Self.interval)
        #expect(pacing.pause(after: step(events: 0, ran: false), took: .milliseconds(1), backlog: .zero, over: .milliseconds(1)) == .milliseconds(249))
        // A failure waits a whole interval, however long the step took: no tight loop of failures.
        #expect(pacing.pause(after: nil, took: .milliseconds(50), backlog: .zero, over: .milliseconds(50)) == .milliseconds(250))
        #expect(pacing.pause(after: nil, took: .seconds(1), backlog: .zero, over: .seconds(1)) == .milliseconds(250))
    }

    @Test func thePressureFollowsTheShareOfTimeABatchWaited() {
        var pacing = StepPacing(interval: Self.interval, window: .seconds(2))
        _ = pacing.pause(after: step(events: 1), took: .seconds(2), backlog: .seconds(2), over: .seconds(2))
        #expect(abs(pacing.pressure - 0.632) < 0.001, "1 - e^-1 after one window at a share of 1")
        _ = pacing.pause(after: step(events: 1), took: .seconds(60), backlog: .seconds(15), over: .seconds(60))
        #expect(abs(pacing.pressure - 0.25) < 0.001, "converges to the share")
        _ = pacing.pause(after: step(events: 1), took: .zero, backlog: .seconds(5), over: .zero)
        #expect(abs(pacing.pressure - 0.25) < 0.001, "no time, no change")
    }
}
