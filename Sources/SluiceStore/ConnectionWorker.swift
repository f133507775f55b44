import Logging
import NIOPosix

/// One PostgreSQL connection confined to one dedicated thread.
///
/// libpq blocks, so it never runs on Swift's cooperative pool: each worker owns a
/// single-threaded `NIOThreadPool`, and every call to its connection runs there, one at a time.
/// Every call hands the connection back idle: a transaction the body left open is rolled back,
/// and a connection left busy (a COPY or a result not read) or broken is closed, so that the next
/// call opens a new one. Cancelling the calling task cancels the statement the body is running.
public final class ConnectionWorker: Sendable {
    public let url: String
    private let thread: NIOThreadPool
    private let slot: ConnectionSlot
    private let cancellation = StatementCancellation()

    /// `openTransactions` says what happens to a transaction a call leaves open (see
    /// ``OpenTransactionPolicy``); `logger` gets the warnings about callers that left one;
    /// `applicationName` names the connection in `pg_stat_activity`.
    public init(
        url: String, openTransactions: OpenTransactionPolicy = .rollBack, applicationName: String? = nil,
        logger: Logger = Logger(label: "sluice.store")
    ) {
        self.url = url
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.slot = ConnectionSlot(url: url, openTransactions: openTransactions, applicationName: applicationName, logger: logger)
        thread.start()
    }

    /// Runs `body` with the connection, on the worker's thread. If the calling task is cancelled,
    /// the statement running then is cancelled (the body gets SQLSTATE 57014 from it; `run` throws
    /// ``StoreError/cancelled(_:)``), and a body not started yet is not run.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws(StoreError) -> T) async throws(StoreError) -> T {
        let (slot, cancellation) = (self.slot, self.cancellation)
        let ticket = cancellation.issue()
        do {
            return try await withTaskCancellationHandler {
                try await thread.runIfActive { try slot.with(ticket, cancellation, body) }
            } onCancel: {
                cancellation.cancel(ticket)
            }
        } catch let error as StoreError {
            throw error
        } catch is CancellationError {
            throw .cancelled("the task was cancelled before its statements were sent")
        } catch {
            throw .unavailable("connection worker stopped: \(error)")
        }
    }

    /// Closes the connection and stops the thread.
    public func shutdown() async {
        let slot = self.slot
        // Not cancelled with the caller: a cancelled task's shutdown still closes the connection.
        await Task { _ = try? await thread.runIfActive { slot.close() } }.value
        try? await thread.shutdownGracefully()
    }
}

/// What a ``ConnectionWorker`` does with a transaction block that a call leaves open.
public enum OpenTransactionPolicy: Sendable {
    /// Roll it back, with a warning when the body returned normally: every call starts on an idle
    /// connection. The default, and what ``ConnectionPool`` always does.
    case rollBack
    /// Keep it open for the worker's next call (a test that holds a transaction across calls).
    /// A connection left busy or broken is still closed.
    case keep
}

/// Holds the worker's `PostgresConnection`.
///
/// `@unchecked Sendable` is safe because the slot is only ever touched from the single thread of
/// its ``ConnectionWorker``'s pool (every access goes through `runIfActive`).
private final class ConnectionSlot: @unchecked Sendable {
    let url: String
    let openTransactions: OpenTransactionPolicy
    let applicationName: String?
    let logger: Logger
    var connection: PostgresConnection?

    init(url: String, openTransactions: OpenTransactionPolicy, applicationName: String?, logger: Logger) {
        self.url = url
        self.openTransactions = openTransactions
        self.applicationName = applicationName
        self.logger = logger
    }

    func with<T>(
        _ ticket: UInt64, _ cancellation: StatementCancellation, _ body: (PostgresConnection) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let conn: PostgresConnection
        if let c = connection, c.isHealthy {
            conn = c
        } else {
            close()
            conn = try PostgresConnection(url: url, applicationName: applicationName)
            connection = conn
        }
        guard cancellation.begin(ticket, handle: conn.cancelHandle) else {
            throw .cancelled("the task was cancelled before its statements were sent")
        }
        let outcome: Result<T, StoreError>
        do { outcome = .success(try body(conn)) } catch { outcome = .failure(error) }
        let stopped = cancellation.end(ticket)
        let returned = if case .success = outcome { true } else { false }
        settle(conn, bodyReturned: returned)
        switch outcome {
        case .failure(.server(sqlState: "57014", _, _)) where stopped:
            throw .cancelled("the task was cancelled while its statement ran; PostgreSQL stopped it")
        default:
            return try outcome.get()
        }
    }

    /// Leaves the connection idle for the next call, or closes it.
    private func settle(_ conn: PostgresConnection, bodyReturned: Bool) {
        let status = conn.transactionStatus
        switch status {
        case .idle:
            return
        case .inTransaction, .failed:
            if openTransactions == .keep { return }
            if bodyReturned {
                logger.warning("a caller left a transaction open on the connection it handed back; rolling it back", metadata: [
                    "status": "\(status)",
                ])
            }
            do throws(StoreError) {
                try conn.execute("ROLLBACK")
            } catch {
                logger.warning("ROLLBACK of a transaction left open failed; closing the connection", metadata: ["error": "\(error)"])
                close()
                return
            }
            if conn.transactionStatus != .idle { close() }
        case .active:
            logger.warning("a connection was handed back with a statement or COPY still in progress; closing it (the next call opens a new one)")
            close()
        case .unknown:
            close()  // broken: the next call opens a new one
        }
    }

    func close() {
        connection?.close()
        connection = nil
    }
}
