#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibPQ

/// The rows a statement returned, in PostgreSQL's text format.
public struct QueryResult: Sendable {
    public var columns: [String]
    /// The values as PostgreSQL's text, for tests that compare results whole; code reads them
    /// typed (``decodedRows``, ``value(_:column:)``, ``scalar(_:column:)``: RowDecoding.swift).
    package var rows: [[String?]]
    /// Rows inserted, updated or deleted (`PQcmdTuples`).
    public var affectedRows: Int
}

/// One libpq connection (`PGconn`). Blocking: only ever used from the thread that owns it.
///
/// Not `Sendable` on purpose: ``ConnectionWorker`` confines it to one dedicated thread and
/// hands it to closures that run there.
public final class PostgresConnection {
    private var conn: OpaquePointer?
    public let url: String
    /// Statements prepared on this connection (``executePrepared(_:_:generic:)``), by SQL text.
    private var statements: [String: String] = [:]
    /// Stops this connection's running statement from another thread (``ConnectionWorker``).
    private(set) var cancelHandle: CancelHandle?

    /// Connects, blocking the calling thread. `applicationName`, when given, names the session in
    /// `pg_stat_activity` (the projector's parts, the ingest writers), for operators and benchmarks.
    public init(url: String, applicationName: String? = nil) throws(StoreError) {
        self.url = url
        conn = PQconnectdb(url)
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { Self.errorMessage($0) } ?? "out of memory"
            if let conn { PQfinish(conn) }
            self.conn = nil
            throw .unavailable(message)
        }
        cancelHandle = CancelHandle(conn)
        _ = try? execute("SET client_min_messages = warning; SET TIME ZONE 'UTC'")
        if let applicationName { _ = try? execute("SELECT set_config('application_name', $1, false)", [applicationName]) }
    }

    deinit { close() }

    /// False once the connection is broken or closed; the owner then replaces it.
    public var isHealthy: Bool { conn.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Whether the connection is idle, inside a (failed) transaction block, still busy with a
    /// statement or COPY, or broken (`PQtransactionStatus`). ``ConnectionWorker`` checks it
    /// after every call.
    public var transactionStatus: TransactionStatus {
        guard let conn, PQstatus(conn) == CONNECTION_OK else { return .unknown }
        return TransactionStatus(PQtransactionStatus(conn))
    }

    /// The server process of this connection (`pg_backend_pid()`, `pg_stat_activity.pid`); nil once closed.
    public var backendPID: Int32? { conn.map { PQbackendPID($0) } }

    /// Closes the connection. A statement still running is cancelled first, so that its server
    /// process stops at once instead of running it to the end. Later calls fail as unavailable.
    public func close() {
        guard let conn else { return }
        if PQtransactionStatus(conn) == PQTRANS_ACTIVE { cancelHandle?.cancel() }
        PQfinish(conn)
        self.conn = nil
        cancelHandle = nil
        statements = [:]
    }

    /// Runs one statement with text parameters (`$1`, `$2`, …) and returns its rows as text.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(StoreError) -> QueryResult {
        let conn = try handle()
        let result: OpaquePointer?
        if parameters.isEmpty {
            result = PQexec(conn, sql)
        } else {
            result = withCStrings(parameters) { values in
                PQexecParams(conn, sql, Int32(parameters.count), nil, values, nil, nil, 0)
            }
        }
        return try collect(result)
    }

    /// Runs one statement as ``execute(_:_:)`` does, through a statement this connection prepares
    /// the first time it sees the text. The server then keeps a generic plan once it is no
    /// costlier than planning for the parameters (or at once with `generic`, which needs a
    /// transaction). For statements a loop runs again and again, such as the projector's, whose
    /// planning over every partition of the log costs as much as running them; a one-off query is
    /// better planned for its parameters, which can prune partitions.
    @discardableResult
    public func executePrepared(_ sql: String, _ parameters: [String?], generic: Bool = false) throws(StoreError) -> QueryResult {
        let conn = try handle()
        let name: String
        if let known = statements[sql] {
            name = known
        } else {
            name = "sluice_\(statements.count + 1)"
            _ = try collect(PQprepare(conn, name, sql, Int32(parameters.count), nil))
            statements[sql] = name
        }
        // Rolled back with the transaction if the statement fails.
        if generic { try execute("SET LOCAL plan_cache_mode = force_generic_plan") }
        let result = withCStrings(parameters) { values in
            PQexecPrepared(conn, name, Int32(parameters.count), values, nil, nil, 0)
        }
        let rows = try collect(result)
        if generic { try execute("SET LOCAL plan_cache_mode = auto") }
        return rows
    }

    /// Runs several statements separated by semicolons (a migration file).
    /// Every result is read, also after a failed statement; a `COPY` in the script is ended and
    /// fails the script (use ``copyIn(_:data:)`` or ``copyOut(_:_:)``).
    public func executeScript(_ sql: String) throws(StoreError) {
        let conn = try handle()
        guard PQsendQuery(conn, sql) == 1 else { throw brokenOrServer(nil) }
        guard let first = PQgetResult(conn) else { return }
        _ = try collect(first)
    }

    /// Sends `data` (a complete COPY stream) to a `COPY ... FROM STDIN` statement; returns rows copied.
    /// When the server refuses the data (it answers with an error once the stream has ended), the
    /// COPY's results are all read before the error is thrown: the connection is left idle or in
    /// its (failed) transaction, never in the middle of a COPY.
    public func copyIn(_ sql: String, data: [UInt8]) throws(StoreError) -> Int {
        let conn = try handle()
        let start = PQexec(conn, sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try collect(start)  // its error, or whatever it started, ended
            throw .protocolViolation("COPY did not start: not a COPY ... FROM STDIN statement")
        }
        PQclear(start)
        let chunk = 1 << 20
        var offset = 0
        var sendFailed = false
        data.withUnsafeBufferPointer { buf in
            while offset < buf.count {
                let n = min(chunk, buf.count - offset)
                let rc = buf.baseAddress!.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: n) {
                    PQputCopyData(conn, $0, Int32(n))
                }
                if rc != 1 { sendFailed = true; return }
                offset += n
            }
        }
        // The end of the stream could not be sent: the connection is broken (its owner closes it).
        guard PQputCopyEnd(conn, sendFailed ? "client failed to send COPY data" : nil) == 1 else { throw brokenOrServer(nil) }
        let sendError = sendFailed ? brokenOrServer(nil) : nil
        let copied = try collect(PQgetResult(conn)).affectedRows
        if let sendError { throw sendError }
        return copied
    }

    /// Runs a `COPY ... TO STDOUT` statement, handing each chunk of the stream to `sink` as it
    /// arrives (for binary COPY, libpq delivers one row per chunk); returns the rows copied.
    /// If `sink` throws, the rest of the stream is drained and discarded and the error rethrown.
    public func copyOut(_ sql: String, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let conn = try handle()
        let start = PQexec(conn, sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_OUT else {
            _ = try collect(start)  // its error, or whatever it started, ended
            throw StoreError.protocolViolation("COPY TO STDOUT did not start: not a COPY ... TO STDOUT statement")
        }
        PQclear(start)
        var sinkError: (any Error)?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let n = PQgetCopyData(conn, &buffer, 0)
            if n > 0, let buffer {
                if sinkError == nil {
                    do { try sink(UnsafeRawBufferPointer(start: buffer, count: Int(n))) } catch { sinkError = error }
                }
                PQfreemem(buffer)
            } else if n == -1 {
                break  // the end of the data, or a server error mid-stream: PQgetResult has it
            } else {
                // -2: the connection failed; it stays in the COPY and its owner closes it.
                throw brokenOrServer(nil)
            }
        }
        let outcome = Result { () throws(StoreError) in try collect(PQgetResult(conn)).affectedRows }
        if let sinkError { throw sinkError }
        return try outcome.get()
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws. A body that
    /// returns from a transaction a failed statement aborted (it caught the error) gets
    /// ``StoreError/transactionAborted(_:)``: PostgreSQL would answer its COMMIT with a silent ROLLBACK.
    public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN")
        do throws(StoreError) {
            let value = try body()
            if transactionStatus == .failed {
                throw StoreError.transactionAborted("a statement failed inside the transaction and the caller went on")
            }
            try execute("COMMIT")
            return value
        } catch {
            // A failed COMMIT has ended the transaction already; a connection still busy is closed by its owner.
            let status = transactionStatus
            if status == .inTransaction || status == .failed { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: - libpq plumbing

    private func handle() throws(StoreError) -> OpaquePointer {
        guard let conn, PQstatus(conn) == CONNECTION_OK else { throw .unavailable("connection is closed") }
        return conn
    }

    /// Reads `first` and every result after it (a multi-statement string, the end of a COPY),
    /// so that none is left unread; returns the last one's rows, throws the first error. A COPY
    /// it meets (a COPY statement sent through ``execute(_:_:)``) is ended: a COPY FROM STDIN
    /// fails, a COPY TO STDOUT is read to its end and dropped, and the call throws. If a COPY
    /// cannot be ended (the connection broke), it stops there; the connection then stays active,
    /// and ``ConnectionWorker`` closes it.
    private func collect(_ first: OpaquePointer?) throws(StoreError) -> QueryResult {
        guard let first else { throw brokenOrServer(nil) }
        var last = QueryResult(columns: [], rows: [], affectedRows: 0)
        var failure: StoreError?
        var next: OpaquePointer? = first
        while let r = next {
            let status = PQresultStatus(r)
            if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
                PQclear(r)
                if failure == nil { failure = .protocolViolation("a COPY statement was sent as a query; use copyIn or copyOut") }
                guard endCopy(status) else { break }
            } else {
                do { last = try consume(r) } catch { if failure == nil { failure = error } }
            }
            next = conn.flatMap { PQgetResult($0) }
        }
        if let failure { throw failure }
        return last
    }

    /// Ends a COPY the caller did not expect; false when the connection could not.
    private func endCopy(_ status: ExecStatusType) -> Bool {
        guard let conn else { return false }
        switch status {
        case PGRES_COPY_IN:
            return PQputCopyEnd(conn, "COPY FROM STDIN sent as a query") == 1
        case PGRES_COPY_OUT:
            while true {
                var buffer: UnsafeMutablePointer<CChar>?
                let n = PQgetCopyData(conn, &buffer, 0)
                if let buffer { PQfreemem(buffer) }
                if n == -1 { return true }
                if n == -2 { return false }
            }
        default:
            return false  // COPY BOTH (replication): not ours to end
        }
    }

    private func consume(_ result: OpaquePointer?) throws(StoreError) -> QueryResult {
        guard let result else { throw brokenOrServer(nil) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            let nFields = Int(PQnfields(result))
            let nRows = Int(PQntuples(result))
            var columns: [String] = []
            columns.reserveCapacity(nFields)
            for c in 0..<nFields { columns.append(String(cString: PQfname(result, Int32(c)))) }
            var rows: [[String?]] = []
            rows.reserveCapacity(nRows)
            for r in 0..<nRows {
                var row: [String?] = []
                row.reserveCapacity(nFields)
                for c in 0..<nFields {
                    row.append(PQgetisnull(result, Int32(r), Int32(c)) == 1 ? nil : String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                }
                rows.append(row)
            }
            let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
            return QueryResult(columns: columns, rows: rows, affectedRows: affected)
        default:
            throw brokenOrServer(result)
        }
    }

    private func brokenOrServer(_ result: OpaquePointer?) -> StoreError {
        if let result, let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) {
            let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? "error"
            let detail = PQresultErrorField(result, Int32(UInt8(ascii: "D"))).map { String(cString: $0) }
            return .server(sqlState: String(cString: state), message: message, detail: detail)
        }
        return .unavailable(conn.map { Self.errorMessage($0) } ?? "connection is closed")
    }

    private static func errorMessage(_ conn: OpaquePointer) -> String {
        String(cString: PQerrorMessage(conn)).trimmingCharacters(in: [" ", "\n"])
    }
}

private func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var owned: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
    defer { for p in owned { free(p) } }
    return body(owned.map { $0.map { UnsafePointer($0) } })
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
