import Foundation
import Logging
import ServiceLifecycle
import SluiceProjections
import SluiceStore

/// Folds new events into the projections of one part of the projector, on its own connection,
/// paced by ``StepPacing``: every interval while there is something to fold, and leaving the
/// machine to ingest while this process's ingest has been short of writers. With several servers
/// on one database, one steps each part at a time (see ``Projector``); the others find the lock
/// taken and wait for the next tick.
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
        var pacing = self.pacing
        var mark = (at: ContinuousClock.now, backlog: ingestBacklog())
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let started = ContinuousClock.now
            var step: Projector.Step?
            do {
                step = try await worker.run { conn throws(StoreError) in try Projector.step(part, idleTimeout: idleTimeout, on: conn) }
            } catch {
                logger.warning("projector step failed; will retry", metadata: ["part": "\(part.rawValue)", "error": "\(error)"])
            }
            let now = (at: ContinuousClock.now, backlog: ingestBacklog())
            let pause = pacing.pause(after: step, took: now.at - started, backlog: now.backlog - mark.backlog, over: now.at - mark.at)
            mark = now
            if let step, step.events > 0 {
                logger.debug("projector step", metadata: [
                    "part": "\(part.rawValue)", "events": "\(step.events)", "caught_up": "\(step.caughtUp)",
                    "ingest_pressure": "\(String(format: "%.2f", pacing.pressure))", "pause": "\(pause)",
                    "phases": "\(step.phases.map(\.description).joined(separator: ", "))",
                ])
            }
            guard pause > .zero else { continue }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
        await worker.shutdown()
    }
}
