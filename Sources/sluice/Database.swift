import Foundation
import Logging
import SluiceStore

/// The database a command works on: `DATABASE_URL`, or the embedded cluster.
struct Database {
    let url: String
    let cluster: EmbeddedCluster?
    let startedCluster: Bool

    /// Resolves the database, starting the embedded cluster when no `DATABASE_URL` is set.
    static func open(logger: Logger) throws -> Database {
        if let url = Settings.databaseURL() {
            return Database(url: url, cluster: nil, startedCluster: false)
        }
        let cluster = try EmbeddedCluster(logger: logger)
        logger.info("no DATABASE_URL: using the embedded PostgreSQL", metadata: ["directory": "\(cluster.directory.path)"])
        let started = try cluster.start()
        return Database(url: cluster.url, cluster: cluster, startedCluster: started)
    }

    /// Stops the embedded cluster if this process started it.
    func close() {
        if startedCluster { cluster?.stop() }
    }

    /// How a command that works on the database starts and ends: logging bootstrapped, the
    /// database resolved (``open(logger:)``), `body` run with it and a logger labelled `label`,
    /// then the database closed (``close()``), whether `body` returned or threw.
    static func using<T>(label: String = "sluice", _ body: (Database, Logger) async throws -> T) async throws -> T {
        try Sluice.bootstrapLogging()
        let logger = Logger(label: label)
        let database = try open(logger: logger)
        defer { database.close() }
        return try await body(database, logger)
    }

    /// Runs `body` on one connection (on its own thread), then closes it.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws(StoreError) -> T) async throws -> T {
        let worker = ConnectionWorker(url: url)
        defer { Task { await worker.shutdown() } }
        return try await worker.run(body)
    }
}

extension Database {
    /// Like ``withConnection(_:)``, for bodies that throw other errors than `StoreError`.
    func withConnectionThrowing<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let result: Result<T, any Error> = try await withConnection { conn throws(StoreError) in
            do { return .success(try body(conn)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
