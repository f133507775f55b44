import Logging
import ServiceLifecycle
import SluiceProjections
import SluiceStore

/// Folds new events into the projections of one part of the projector, on its own connection,
/// paced by ``StepPacing``: every interval while there is something to fold, and leaving the
/// machine to ingest while this process's ingest is short of writers. With several servers on one
/// database, one steps each part at a time (see ``Projector``); the others find the lock taken
/// and wait for the next tick.
struct ProjectorService: Service {
    let part: Projector.Part
    let worker: ConnectionWorker
    let pacing: StepPacing
    let idleTimeout: Duration
    /// ``SluiceIngest/IngestPipeline/backlog()`` of this process's ingest.
    let ingestBacklog: @Sendable () -> Duration
    let logger: Logger

    func run() async throws {
        let (part, idleTimeout) = (self.part, self.idleTimeout)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let started = ContinuousClock.now
            let backlogBefore = ingestBacklog()
            var step: Projector.Step?
            do {
                step = try await worker.run { conn throws(StoreError) in try Projector.step(part, idleTimeout: idleTimeout, on: conn) }
            } catch {
                logger.warning("projector step failed; will retry", metadata: ["part": "\(part.rawValue)", "error": "\(error)"])
            }
            let took = ContinuousClock.now - started
            let backlog = ingestBacklog() - backlogBefore
            let pause = pacing.pause(after: step, took: took, backlog: backlog)
            if let step, step.events > 0 {
                logger.debug("projector step", metadata: [
                    "part": "\(part.rawValue)", "events": "\(step.events)", "caught_up": "\(step.caughtUp)",
                    "ingest_backlog": "\(backlog)", "pause": "\(pause)",
                    "phases": "\(step.phases.map(\.description).joined(separator: ", "))",
                ])
            }
            guard pause > .zero else { continue }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
        await worker.shutdown()
    }
}
