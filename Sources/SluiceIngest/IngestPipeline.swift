import Logging
import Metrics
import SluiceCore
import SluiceStore
import Synchronization

/// Coalesces concurrent submissions into COPY batches and answers each one after its batch has
/// committed.
///
/// Memory is bounded: at most ``IngestConfiguration/maxQueuedEvents`` events wait at once, and a
/// submission beyond that is refused at once with ``IngestError/saturated(retryAfterSeconds:)``.
public final class IngestPipeline: Sendable {
    public let configuration: IngestConfiguration
    private let batcher: Batcher
    private let pool: ConnectionPool
    private let logger: Logger
    private let writerTasks: Task<Void, Never>

    public init(pool: ConnectionPool, configuration: IngestConfiguration = .init(), logger: Logger = Logger(label: "sluice.ingest")) {
        self.configuration = configuration
        self.pool = pool
        self.logger = logger
        let batcher = Batcher(configuration)
        self.batcher = batcher
        let writers = configuration.writers
        Gauge(label: "sluice_ingest_writers").record(writers)
        Gauge(label: "sluice_ingest_queue_limit_events").record(configuration.maxQueuedEvents)
        writerTasks = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<writers {
                    group.addTask { await Self.writeLoop(batcher: batcher, pool: pool, logger: logger) }
                }
            }
        }
    }

    /// Queues `rows` and returns once they are committed (or throws why they were not).
    ///
    /// Returns the rows the database refused on their own (by position in `rows`, with the
    /// reason); every other row is stored. What another submission in the same batch holds never
    /// changes this answer.
    public func submit(_ rows: CopyBinaryEncoder) async throws(IngestError) -> [RowIsolation.Refused] {
        guard rows.rowCount > 0 else { return [] }
        do {
            return try await batcher.submit(rows)
        } catch let error as IngestError {
            throw error
        } catch {
            throw .failed("\(error)")
        }
    }

    /// How long, in all since the pipeline started, a sealed batch waited because every writer was
    /// busy. The projector reads it around each step: ingest comes first when it is short of writers.
    public func backlog() -> Duration {
        batcher.backlogElapsed()
    }

    /// Stops taking submissions, commits everything already accepted, then returns.
    public func shutdown() async {
        await batcher.close()
        await writerTasks.value
    }

    private static func writeLoop(batcher: Batcher, pool: ConnectionPool, logger: Logger) async {
        let stored = LabelledCounters("sluice_events_stored_total", dimensions: ["project"])
        let duplicates = LabelledCounters("sluice_events_duplicates_total", dimensions: ["project"])
        let commits = Timer(label: "sluice_ingest_commit_duration_seconds")
        let sizes = Recorder(label: "sluice_ingest_batch_events")
        let busy = FloatingPointCounter(label: "sluice_ingest_writer_busy_seconds_total")
        while let batch = await batcher.nextBatch() {
            let chunks = batch.map(\.rows)
            let start = ContinuousClock.now
            defer {
                let (sec, atto) = (ContinuousClock.now - start).components
                busy.increment(by: Double(sec) + Double(atto) / 1e18)
            }
            sizes.record(chunks.reduce(0) { $0 + $1.rowCount })
            var attempt = 0
            while true {
                attempt += 1
                do {
                    let outcome = try await pool.withConnection { conn throws(StoreError) in try EventWriter.write(chunks, on: conn) }
                    for (project, copied) in outcome.copiedByProject {
                        let inserted = outcome.insertedByProject[project] ?? 0
                        if inserted > 0 { stored.increment([String(project)], by: inserted) }
                        if copied > inserted { duplicates.increment([String(project)], by: copied - inserted) }
                    }
                    let (sec, atto) = (ContinuousClock.now - start).components
                    commits.recordNanoseconds(sec * 1_000_000_000 + atto / 1_000_000_000)
                    if !outcome.refused.isEmpty {
                        let count = outcome.refused.values.reduce(0) { $0 + $1.count }
                        logger.warning("rows refused by the database; the rest of the batch is stored", metadata: [
                            "refused": "\(count)", "first": "\(outcome.refused.values.first?.first?.reason ?? "")"])
                    }
                    for (i, entry) in batch.enumerated() { entry.continuation.resume(returning: outcome.refused[i] ?? []) }
                    break
                } catch {
                    let retryable: Bool
                    if case .server(let state, _, _) = error { retryable = state == "40P01" || state == "40001" } else { retryable = false }
                    if retryable && attempt < 5 { continue }
                    logger.error("batch not stored", metadata: ["events": "\(batch.reduce(0) { $0 + $1.rows.rowCount })", "error": "\(error)"])
                    let failure: IngestError = error.isTransient
                        ? .unavailable(retryAfterSeconds: 2, reason: "\(error)")
                        : .failed("\(error)")
                    Counter(label: "sluice_ingest_batches_failed_total", dimensions: [("kind", error.isTransient ? "unavailable" : "failed")]).increment()
                    for entry in batch { entry.continuation.resume(throwing: failure) }
                    break
                }
            }
            await batcher.finished(batch)
        }
    }
}

/// One submission waiting for its batch to commit.
struct Entry: Sendable {
    var rows: CopyBinaryEncoder
    var continuation: CheckedContinuation<[RowIsolation.Refused], any Error>
}

/// The queue between submitters and writers. Pure bookkeeping; no I/O.
actor Batcher {
    let configuration: IngestConfiguration
    private var pending: [Entry] = []
    private var pendingEvents = 0
    private var pendingBytes = 0
    private var sealed: [[Entry]] = []
    /// Accepted and not yet answered: pending, sealed and being written.
    private var queuedEvents = 0
    private var idleWriters: [CheckedContinuation<[Entry]?, Never>] = []
    private var timerGeneration = 0
    private var timerArmed = false
    private var closed = false
    private let queueDepth = Gauge(label: "sluice_ingest_queued_events")
    /// Written on every change of `sealed`; read without a hop onto the actor.
    private let backlog = Mutex(BacklogClock())

    init(_ configuration: IngestConfiguration) { self.configuration = configuration }

    func submit(_ rows: CopyBinaryEncoder) async throws -> [RowIsolation.Refused] {
        guard !closed else { throw IngestError.shuttingDown }
        guard queuedEvents + rows.rowCount <= configuration.maxQueuedEvents || queuedEvents == 0 else {
            throw IngestError.saturated(retryAfterSeconds: 1)
        }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[RowIsolation.Refused], any Error>) in
            pending.append(Entry(rows: rows, continuation: continuation))
            pendingEvents += rows.rowCount
            pendingBytes += rows.bytes.count
            queuedEvents += rows.rowCount
            queueDepth.record(queuedEvents)
            if pendingEvents >= configuration.maxBatchEvents || pendingBytes >= configuration.maxBatchBytes {
                seal()
            } else if !timerArmed {
                armTimer()
            }
        }
    }

    /// The next batch to write, or nil once closed and drained.
    func nextBatch() async -> [Entry]? {
        if !sealed.isEmpty {
            defer { recordBacklog() }
            return sealed.removeFirst()
        }
        if closed && pending.isEmpty { return nil }
        return await withCheckedContinuation { idleWriters.append($0) }
    }

    /// ``IngestPipeline/backlog()``, as of `now`.
    nonisolated func backlogElapsed(at now: ContinuousClock.Instant = .now) -> Duration {
        backlog.withLock { $0.elapsed(at: now) }
    }

    /// Accepted and not yet answered.
    var queuedForTesting: Int { queuedEvents }

    /// Writers waiting in ``nextBatch()``.
    var idleWritersForTesting: Int { idleWriters.count }

    func finished(_ batch: [Entry]) {
        queuedEvents -= batch.reduce(0) { $0 + $1.rows.rowCount }
        queueDepth.record(queuedEvents)
    }

    func close() {
        closed = true
        seal()
        while !idleWriters.isEmpty && sealed.isEmpty { idleWriters.removeFirst().resume(returning: nil) }
    }

    private func seal() {
        timerArmed = false
        timerGeneration += 1
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = []
        pendingEvents = 0
        pendingBytes = 0
        if !idleWriters.isEmpty {
            idleWriters.removeFirst().resume(returning: batch)
        } else {
            sealed.append(batch)
            recordBacklog()
        }
    }

    private func recordBacklog() {
        let waiting = !sealed.isEmpty
        backlog.withLock { $0.update(waiting: waiting, at: .now) }
    }

    private func armTimer() {
        timerArmed = true
        let generation = timerGeneration
        let interval = configuration.flushInterval
        Task { [weak self] in
            try? await Task.sleep(for: interval)
            await self?.timerFired(generation)
        }
    }

    private func timerFired(_ generation: Int) {
        guard timerArmed, generation == timerGeneration else { return }
        seal()
    }
}
