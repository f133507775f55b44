import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceIngest

@Suite struct BacklogClockTests {
    let t0 = ContinuousClock.now

    @Test func addsUpOnlyTheTimeABatchWaited() {
        var clock = BacklogClock()
        clock.update(waiting: false, at: t0)
        #expect(clock.elapsed(at: t0 + .seconds(5)) == .zero)
        clock.update(waiting: true, at: t0 + .seconds(1))
        clock.update(waiting: true, at: t0 + .seconds(2))  // still waiting: the wait started at 1
        #expect(clock.elapsed(at: t0 + .milliseconds(2_500)) == .milliseconds(1_500))
        clock.update(waiting: false, at: t0 + .seconds(3))
        #expect(clock.elapsed(at: t0 + .seconds(10)) == .seconds(2))
        clock.update(waiting: true, at: t0 + .seconds(11))
        clock.update(waiting: false, at: t0 + .milliseconds(11_250))
        #expect(clock.elapsed(at: t0 + .seconds(20)) == .milliseconds(2_250))
    }

    @Test func anInstantBeforeTheWaitBeganCountsNothingOfIt() {
        var clock = BacklogClock()
        clock.update(waiting: true, at: t0 + .seconds(1))
        #expect(clock.elapsed(at: t0) == .zero)
    }

    /// The batcher's clock runs while a sealed batch has no idle writer to take it, and stops when one does.
    @Test func theBatcherCountsTheTimeASealedBatchWaitsForAWriter() async throws {
        let batcher = Batcher(IngestConfiguration(maxBatchEvents: 10, flushInterval: .seconds(3600), maxQueuedEvents: 10_000))
        let submitted = Task { try await batcher.submit(BatcherTests().rows(10)) }  // sealed at once: no writer is waiting
        try await waitUntil("the batch is queued") { await batcher.queuedForTesting == 10 }
        // Instants after the batch was sealed, so no waiting on the clock: it runs while the batch waits…
        let sealed = ContinuousClock.now
        #expect(batcher.backlogElapsed(at: sealed + .seconds(5)) == batcher.backlogElapsed(at: sealed) + .seconds(5))
        let batch = try #require(await batcher.nextBatch())
        // …and stops once a writer took it.
        let taken = ContinuousClock.now
        #expect(batcher.backlogElapsed(at: taken + .seconds(5)) == batcher.backlogElapsed(at: taken))
        for entry in batch { entry.continuation.resume(returning: []) }
        await batcher.finished(batch)
        _ = try await submitted.value
    }

    /// A writer already waiting takes the batch as it is sealed: nothing waited.
    @Test func aBatchTakenByAnIdleWriterCountsNothing() async throws {
        let batcher = Batcher(IngestConfiguration(maxBatchEvents: 10, flushInterval: .seconds(3600), maxQueuedEvents: 10_000))
        let writer = Task { await batcher.nextBatch() }
        try await waitUntil("the writer is waiting") { await batcher.idleWritersForTesting == 1 }
        let submitted = Task { try await batcher.submit(BatcherTests().rows(10)) }
        let batch = try #require(await writer.value)
        for entry in batch { entry.continuation.resume(returning: []) }
        await batcher.finished(batch)
        _ = try await submitted.value
        #expect(batcher.backlogElapsed() == .zero)
    }
}
