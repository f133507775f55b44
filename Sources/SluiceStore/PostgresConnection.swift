#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibPQ

/// The rows a statement returned, in PostgreSQL's text format.
public struct QueryResult: Sendable {
    public var columns: [String]
    public var rows: [[String?]]
    /// Rows inserted, updated or deleted (`PQcmdTuples`).
    public var affectedRows: Int

    /// The value of `column` in the first row.
    public func scalar(_ column: Int = 0) -> String? { rows.first.flatMap { $0[column] } }
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

    /// Connects, blocking the calling thread.
    public init(url: String) throws(StoreError) {
        self.url = url
        conn = PQconnectdb(url)
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { Self.errorMessage($0) } ?? "out of memory"
            if let conn { PQfinish(conn) }
            self.conn = nil
            throw .unavailable(message)
        }
        _ = try? execute("SET client_min_messages = warning; SET TIME ZONE 'UTC'")
    }

    deinit {
        if let conn { PQfinish(conn) }
    }

    /// False once the connection is broken; the owner then replaces it.
    public var isHealthy: Bool { conn.map { PQstatus($0) == CONNECTION_OK } ?? false }

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
        return try consume(result)
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
            _ = try consume(PQprepare(conn, name, sql, Int32(parameters.count), nil))
            statements[sql] = name
        }
        // Rolled back with the transaction if the statement fails.
        if generic { try execute("SET LOCAL plan_cache_mode = force_generic_plan") }
        let result = withCStrings(parameters) { values in
            PQexecPrepared(conn, name, Int32(parameters.count), values, nil, nil, 0)
        }
        let rows = try consume(result)
        if generic { try execute("SET LOCAL plan_cache_mode = auto") }
        return rows
    }

    /// Runs several statements separated by semicolons (a migration file).
    public func executeScript(_ sql: String) throws(StoreError) {
        let conn = try handle()
        var failure: StoreError?
        guard PQsendQuery(conn, sql) == 1 else { throw brokenOrServer(nil) }
        while let r = PQgetResult(conn) {
            do { _ = try consume(r) } catch { if failure == nil { failure = error } }
        }
        if let failure { throw failure }
    }

    /// Sends `data` (a complete COPY stream) to a `COPY ... FROM STDIN` statement; returns rows copied.
    public func copyIn(_ sql: String, data: [UInt8]) throws(StoreError) -> Int {
        let conn = try handle()
        let start = PQexec(conn, sql)
        guard PQresultStatus(start) == PGRES_COPY_IN else { _ = try consume(start); throw .protocolViolation("COPY did not start") }
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
        if sendFailed {
            _ = PQputCopyEnd(conn, "client failed to send COPY data")
        } else if PQputCopyEnd(conn, nil) != 1 {
            throw brokenOrServer(nil)
        }
        var copied = 0
        var failure: StoreError?
        while let r = PQgetResult(conn) {
            do { copied = try consume(r).affectedRows } catch { if failure == nil { failure = error } }
        }
        if let failure { throw failure }
        if sendFailed { throw brokenOrServer(nil) }
        return copied
    }

    /// Runs a `COPY ... TO STDOUT` statement, handing each chunk of the stream to `sink` as it
    /// arrives (for binary COPY, libpq delivers one row per chunk); returns the rows copied.
    /// If `sink` throws, the rest of the stream is drained and discarded and the error rethrown.
    public func copyOut(_ sql: String, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let conn = try handle()
        let start = PQexec(conn, sql)
        guard PQresultStatus(start) == PGRES_COPY_OUT else {
            _ = try consume(start)
            throw StoreError.protocolViolation("COPY TO STDOUT did not start")
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
                break
            } else {
                throw brokenOrServer(nil)
            }
        }
        var copied = 0
        var failure: StoreError?
        while let r = PQgetResult(conn) {
            do { copied = try consume(r).affectedRows } catch { if failure == nil { failure = error } }
        }
        if let sinkError { throw sinkError }
        if let failure { throw failure }
        return copied
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if isHealthy { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: - libpq plumbing

    private func handle() throws(StoreError) -> OpaquePointer {
        guard let conn, PQstatus(conn) == CONNECTION_OK else { throw .unavailable("connection is closed") }
        return conn
    }

    private func consume(_ result: OpaquePointer?) throws(StoreError) -> QueryResult {
        guard let result else { throw brokenOrServer(nil) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN:
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
