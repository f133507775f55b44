import Logging

/// A fixed set of ``ConnectionWorker``s; callers wait for an idle one. A connection always comes
/// back idle: a transaction a caller left open is rolled back (see ``ConnectionWorker``).
public actor ConnectionPool {
    public let url: String
    private let workers: [ConnectionWorker]
    private var idle: [ConnectionWorker]
    private var waiters: [CheckedContinuation<ConnectionWorker, Never>] = []

    /// `applicationName` names every connection of the pool in `pg_stat_activity`.
    public init(url: String, size: Int, applicationName: String? = nil, logger: Logger = Logger(label: "sluice.store")) {
        self.url = url
        let workers = (0..<max(1, size)).map { _ in
            ConnectionWorker(url: url, openTransactions: .rollBack, applicationName: applicationName, logger: logger)
        }
        self.workers = workers
        self.idle = workers
    }

    /// Runs `body` on an idle connection, on that connection's own thread.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        let worker = await acquire()
        defer { release(worker) }
        return try await worker.run(body)
    }

    private func acquire() async -> ConnectionWorker {
        if let w = idle.popLast() { return w }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func release(_ worker: ConnectionWorker) {
        if waiters.isEmpty {
            idle.append(worker)
        } else {
            waiters.removeFirst().resume(returning: worker)
        }
    }

    /// How the pool is used at this moment.
    public struct Usage: Sendable, Equatable {
        /// Connections in the pool.
        public var size: Int
        /// Connections lent out to callers.
        public var inUse: Int
        /// Callers waiting for a connection.
        public var waiting: Int

        public init(size: Int, inUse: Int, waiting: Int) {
            self.size = size
            self.inUse = inUse
            self.waiting = waiting
        }
    }

    public func usage() -> Usage {
        Usage(size: workers.count, inUse: workers.count - idle.count, waiting: waiters.count)
    }

    public func shutdown() async {
        for w in workers { await w.shutdown() }
    }
}
