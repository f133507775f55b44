import Logging
import ServiceLifecycle
import SluiceArchive
import SluiceStore

/// `serve`'s schedule (off by default): every interval, archive what is due, then apply retention,
/// on a connection of its own. Another process's run holding the lock is not an error.
struct RetentionService: Service {
    let url: String
    let configuration: ArchiveConfiguration
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let worker = ConnectionWorker(url: url)
        let (configuration, logger) = (self.configuration, self.logger)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let outcome: Result<[Retention.Decision], any Error>
            do {
                outcome = try await worker.run { conn throws(StoreError) in
                    do {
                        _ = try Archiver(configuration: configuration, logger: logger).run(on: conn)
                        return .success(try Retention(configuration: configuration, logger: logger).run(on: conn))
                    } catch {
                        return .failure(error)
                    }
                }
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let decisions):
                for d in decisions where d.action == .skipped {
                    logger.warning("retention kept a day", metadata: ["day": "\(d.day)", "reason": "\(d.reason ?? "")"])
                }
            case .failure(ArchiveError.busy):
                logger.info("archive or retention already running elsewhere; next try in \(interval)")
            case .failure(let error):
                logger.error("archive or retention failed; will retry", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        await worker.shutdown()
    }
}
