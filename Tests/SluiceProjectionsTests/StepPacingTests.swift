import Testing
@testable import SluiceProjections

@Suite struct StepPacingTests {
    let pacing = StepPacing(interval: .milliseconds(250))

    func step(events: Int, caughtUp: Bool = true, ran: Bool = true) -> Projector.Step {
        Projector.Step(ran: ran, hourlyRows: 0, sessions: 0, horizon: "1", caughtUp: caughtUp, events: events)
    }

    @Test func stepsEveryIntervalCountingTheStepsOwnTime() {
        #expect(pacing.pause(after: step(events: 100), took: .milliseconds(100), backlog: .zero) == .milliseconds(150))
    }

    /// At a steady rate a long step is not followed by a pause: it would only add to the lag.
    @Test func aLongStepIsFollowedAtOnceWhileIngestHasWritersToSpare() {
        #expect(pacing.pause(after: step(events: 3_000), took: .milliseconds(400), backlog: .milliseconds(50)) == .zero)
    }

    @Test func pausesAsLongAsTheStepTookWhileIngestIsShortOfWriters() {
        #expect(pacing.pause(after: step(events: 3_000), took: .milliseconds(400), backlog: .milliseconds(300)) == .milliseconds(400))
        #expect(pacing.pause(after: step(events: 3_000), took: .milliseconds(100), backlog: .milliseconds(30)) == .milliseconds(100))
        // …also while it is behind: ingest comes first.
        #expect(pacing.pause(after: step(events: 50_000, caughtUp: false), took: .seconds(1), backlog: .seconds(1)) == .seconds(1))
    }

    @Test func aBacklogIsFoldedWithoutPauseWhileIngestIsNotBusy() {
        #expect(pacing.pause(after: step(events: 50_000, caughtUp: false), took: .milliseconds(100), backlog: .zero) == .zero)
    }

    @Test func anIdlePartPollsAtHalfTheRate() {
        #expect(pacing.pause(after: step(events: 0), took: .milliseconds(10), backlog: .zero) == .milliseconds(490))
        // Busy ingest with nothing folded yet: no reason to wait longer.
        #expect(pacing.pause(after: step(events: 0), took: .milliseconds(10), backlog: .milliseconds(10)) == .milliseconds(490))
    }

    @Test func aFailedOrLockedStepWaitsForTheNextTick() {
        #expect(pacing.pause(after: step(events: 0, ran: false), took: .milliseconds(1), backlog: .seconds(1)) == .milliseconds(249))
        // A failure waits a whole interval, however long the step took: no tight loop of failures.
        #expect(pacing.pause(after: nil, took: .milliseconds(50), backlog: .zero) == .milliseconds(250))
        #expect(pacing.pause(after: nil, took: .seconds(1), backlog: .zero) == .milliseconds(250))
    }
}
