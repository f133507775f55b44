import Logging
import Metrics
import SluiceStore
import Synchronization

/// Where the query API reads: the hot standby of `SLUICE_READ_DATABASE_URL` when there is one,
/// else the primary. Writes, projector steps, keys, status, archive and retention always use the
/// primary.
///
/// While the standby cannot answer (unreachable, shutting down, or a read cancelled for a
/// conflict with recovery: ``StoreError/isTransient``), reads fall back to the primary, counted
/// in `sluice_read_replica_fallbacks_total`; the standby is tried again after
/// ``retryInterval``. Reads stay available at the primary's cost rather than failing.
final class ReadDatabase: Sendable {
    let primary: ConnectionPool
    let replica: ConnectionPool?
    /// How long reads go straight to the primary after the standby failed one.
    let retryInterval: Duration = .seconds(5)
    private let replicaDownUntil = Mutex<ContinuousClock.Instant?>(nil)
    private let fallbacks = Counter(label: "sluice_read_replica_fallbacks_total")
    private let logger: Logger

    init(primary: ConnectionPool, replica: ConnectionPool?, logger: Logger) {
        self.primary = primary
        self.replica = replica
        self.logger = logger
    }

    /// Runs `body` on a connection of the standby, or of the primary when there is none or it
    /// cannot answer now.
    func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        guard let replica, !replicaIsDown() else { return try await primary.withConnection(body) }
        do {
            return try await replica.withConnection(body)
        } catch {
            guard error.isTransient else { throw error }
            fallbacks.increment()
            let first = replicaDownUntil.withLock { until in
                defer { until = .now + retryInterval }
                return until == nil
            }
            if first {
                logger.warning("the read replica cannot answer; reading from the primary", metadata: ["error": "\(error)"])
            }
            return try await primary.withConnection(body)
        }
    }

    private func replicaIsDown() -> Bool {
        replicaDownUntil.withLock { until in
            guard let u = until else { return false }
            if ContinuousClock.now < u { return true }
            until = nil
            return false
        }
    }
}
