import NIOPosix

/// One PostgreSQL connection confined to one dedicated thread.
///
/// libpq blocks, so it never runs on Swift's cooperative pool: each worker owns a
/// single-threaded `NIOThreadPool`, and every call to its connection runs there, one at a time.
/// A broken connection is dropped and reopened on the next call.
public final class ConnectionWorker: Sendable {
    public let url: String
    private let thread: NIOThreadPool
    private let slot: ConnectionSlot

    public init(url: String) {
        self.url = url
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.slot = ConnectionSlot(url: url)
        thread.start()
    }

    /// Runs `body` with the connection, on the worker's thread.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws(StoreError) -> T) async throws(StoreError) -> T {
        let slot = self.slot
        do {
            return try await thread.runIfActive { try slot.with(body) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable("connection worker stopped: \(error)")
        }
    }

    /// Closes the connection and stops the thread.
    public func shutdown() async {
        let slot = self.slot
        _ = try? await thread.runIfActive { slot.close() }
        try? await thread.shutdownGracefully()
    }
}

/// Holds the worker's `PostgresConnection`.
///
/// `@unchecked Sendable` is safe because the slot is only ever touched from the single thread of
/// its ``ConnectionWorker``'s pool (every access goes through `runIfActive`).
private final class ConnectionSlot: @unchecked Sendable {
    let url: String
    var connection: PostgresConnection?

    init(url: String) { self.url = url }

    func with<T>(_ body: (PostgresConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        let conn: PostgresConnection
        if let c = connection, c.isHealthy {
            conn = c
        } else {
            connection = nil
            conn = try PostgresConnection(url: url)
            connection = conn
        }
        do {
            return try body(conn)
        } catch {
            if !conn.isHealthy { connection = nil }
            throw error
        }
    }

    func close() { connection = nil }
}
