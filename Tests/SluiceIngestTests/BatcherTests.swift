import Foundation
import Testing
import SluiceCore
import SluiceStore
@testable import SluiceIngest

@Suite struct BatcherTests {
    func rows(_ n: Int) -> CopyBinaryEncoder {
        var e = CopyBinaryEncoder()
        for _ in 0..<n {
            e.append(AgentEvent(timestamp: Timestamp(microsecondsSinceEpoch: 0), eventType: "x", agentId: "a",
                                agentVersion: "1", sessionId: UUID(), projectId: 1))
        }
        return e
    }

    @Test func coalescesConcurrentSubmissionsIntoOneBatch() async throws {
        let batcher = Batcher(IngestConfiguration(maxBatchEvents: 1_000, flushInterval: .milliseconds(50), maxQueuedEvents: 10_000))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 { group.addTask { _ = try await batcher.submit(rows(10)) } }
            let batch = try #require(await batcher.nextBatch())
            #expect(batch.count == 5)
            #expect(batch.reduce(0) { $0 + $1.rows.rowCount } == 50)
            for entry in batch { entry.continuation.resume(returning: []) }
            await batcher.finished(batch)
            try await group.waitForAll()
        }
    }

    @Test func flushesOnSizeWithoutWaitingForTheTimer() async throws {
        let batcher = Batcher(IngestConfiguration(maxBatchEvents: 20, flushInterval: .seconds(3600), maxQueuedEvents: 10_000))
        async let a = batcher.submit(rows(15))
        async let b = batcher.submit(rows(15))
        let batch = try #require(await batcher.nextBatch())
        #expect(batch.reduce(0) { $0 + $1.rows.rowCount } == 30)
        for entry in batch { entry.continuation.resume(returning: []) }
        _ = try await (a, b)
    }

    @Test func refusesSubmissionsBeyondTheQueueBound() async throws {
        let batcher = Batcher(IngestConfiguration(maxBatchEvents: 1_000, flushInterval: .seconds(3600), maxQueuedEvents: 20))
        let first = Task { try await batcher.submit(rows(15)) }
        while await batcher.queuedForTesting < 15 { await Task.yield() }
        await #expect(throws: IngestError.self) { _ = try await batcher.submit(rows(10)) }
        await batcher.close()
        let batch = try #require(await batcher.nextBatch())
        for entry in batch { entry.continuation.resume(returning: []) }
        await batcher.finished(batch)
        _ = try await first.value
        #expect(await batcher.nextBatch() == nil)
        await #expect(throws: IngestError.self) { _ = try await batcher.submit(rows(1)) }
    }
}
