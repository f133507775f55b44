/// Writes COPY batches into `agent_events`, idempotently.
///
/// One transaction per batch. Most batches hold only new events, so the batch is first copied
/// (binary) straight into `agent_events`, inside a savepoint. If that meets a key that already
/// exists (a retry, a duplicate inside the batch, or a concurrent batch holding the same event),
/// it rolls back to the savepoint and takes the path that absorbs duplicates: COPY into a
/// per-connection temporary staging table, then `INSERT ... SELECT ... ON CONFLICT (id,
/// "timestamp") DO NOTHING` in key order. Either way duplicates are stored once. A direct copy (in
/// batch order) and a concurrent keyed insert of shared events can still deadlock; PostgreSQL then
/// aborts one of them, and the batch is written again (nothing of it was committed). Naming
/// the conflict target lets TimescaleDB check compressed chunks with its bloom filter on the key
/// instead of decompressing every batch in the time range (measured: 5,141 instead of 11,764
/// batches for 5,000 replayed rows, 86 ms instead of 134 ms).
public enum EventWriter {
    /// The columns a COPY stream carries, and the statements that store them.
    public struct Columns: Sendable {
        public let names: [String]
        let direct: String
        let copy: String
        /// Inserts the new rows of the staging table; answers `(project_id, rows inserted)`.
        let insert: String
        /// The position of `project_id` in ``names``.
        let projectColumn: Int

        init(_ names: [String]) {
            self.names = names
            let list = names.joined(separator: ", ")
            direct = "COPY agent_events (\(list)) FROM STDIN (FORMAT binary)"
            copy = "COPY sluice_staging (\(list)) FROM STDIN (FORMAT binary)"
            insert = """
                WITH inserted AS (
                    INSERT INTO agent_events (\(list))
                    SELECT \(list) FROM sluice_staging ORDER BY id, "timestamp"
                    ON CONFLICT (id, "timestamp") DO NOTHING
                    RETURNING project_id)
                SELECT project_id, count(*) FROM inserted GROUP BY project_id
                """
            guard let projectColumn = names.firstIndex(of: "project_id") else { preconditionFailure("a stream of events has project_id") }
            self.projectColumn = projectColumn
        }
    }

    /// What the API stores: ``CopyBinaryEncoder/columns``; `ingest_xid` takes its default.
    public static let eventColumns = Columns(CopyBinaryEncoder.columns)
    /// The event as posted, without the fact columns (``CopyBinaryEncoder/includesFacts`` false).
    public static let logColumns = Columns(CopyBinaryEncoder.logColumns)
    /// What an archive holds and restores: the event as posted plus the original `ingest_xid`, so
    /// that restored rows are not folded into the projections a second time. Restored rows have
    /// no facts: the folds read their jsonb (functions/sluice_fold_facts.sql).
    public static let archiveColumns = Columns(CopyBinaryEncoder.logColumns + ["ingest_xid"])

    static let createStaging = """
        CREATE TEMP TABLE IF NOT EXISTS sluice_staging
            (LIKE agent_events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
        """

    /// What one batch did.
    public struct Outcome: Sendable, Equatable {
        /// Rows sent in the COPY stream.
        public var copied: Int
        /// Rows that were new to the log (the rest were duplicates).
        public var inserted: Int
        /// Rows the database refused on their own, by chunk index (the write of chunks only); the
        /// rest of the batch was stored.
        public var refused: [Int: [RowIsolation.Refused]] = [:]
        /// ``copied`` by project: refused rows are in neither count.
        public var copiedByProject: [Int32: Int] = [:]
        /// ``inserted`` by project; the difference with ``copiedByProject`` is the duplicates.
        public var insertedByProject: [Int32: Int] = [:]

        mutating func add(_ other: Outcome) {
            copied += other.copied
            inserted += other.inserted
            copiedByProject.merge(other.copiedByProject, uniquingKeysWith: +)
            insertedByProject.merge(other.insertedByProject, uniquingKeysWith: +)
        }
    }

    /// Stores the rows of `chunks` (one per request, say) in one COPY batch and commits.
    ///
    /// If the database refuses the batch for a data error (a value or constraint it will not
    /// take, which validation should have caught), the rows it refuses on their own are found by
    /// bisection (``RowIsolation``) and reported per chunk, and every other row is stored: one
    /// bad row never costs the rest of its batch. Any other error is thrown; nothing acknowledged
    /// is lost, since a retry stores each row once.
    public static func write(_ chunks: [CopyBinaryEncoder], on conn: PostgresConnection) throws(StoreError) -> Outcome {
        do throws(StoreError) {
            return try write(CopyBinaryEncoder.stream(chunks), on: conn)
        } catch where error.isDataError {
            let rows = RowIndex(chunks)
            var isolation = RowIsolation(refusedBatchOf: rows.count, reason: error.refusalReason)
            var outcome = Outcome(copied: 0, inserted: 0)
            while let range = isolation.next() {
                do throws(StoreError) {
                    outcome.add(try write(rows.stream(range), on: conn))
                    isolation.stored()
                } catch where error.isDataError {
                    isolation.refused(error.refusalReason)
                }
            }
            for refusal in isolation.refused {
                let (chunk, row) = rows.locate(refusal.row)
                outcome.refused[chunk, default: []].append(.init(row: row, reason: refusal.reason))
            }
            return outcome
        }
    }

    /// Positions of rows across the chunks of a batch.
    private struct RowIndex {
        let chunks: [CopyBinaryEncoder]
        /// The global position of each chunk's first row.
        let starts: [Int]
        let count: Int

        init(_ chunks: [CopyBinaryEncoder]) {
            self.chunks = chunks
            var starts: [Int] = []
            var n = 0
            for c in chunks { starts.append(n); n += c.rowCount }
            self.starts = starts
            count = n
        }

        func locate(_ row: Int) -> (chunk: Int, row: Int) {
            var lo = 0, hi = starts.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if starts[mid] <= row { lo = mid } else { hi = mid - 1 }
            }
            return (lo, row - starts[lo])
        }

        func stream(_ range: Range<Int>) -> [UInt8] {
            var out = CopyBinaryEncoder.header
            for (i, chunk) in chunks.enumerated() {
                let lower = max(range.lowerBound - starts[i], 0), upper = min(range.upperBound - starts[i], chunk.rowCount)
                if lower < upper { out += chunk.bytes(ofRows: lower..<upper) }
            }
            return out + CopyBinaryEncoder.trailer
        }
    }

    /// Stores one complete binary COPY stream (``CopyBinaryEncoder/stream(_:)``) and commits.
    /// When this returns, the rows are durable.
    public static func write(
        _ stream: [UInt8], columns: Columns = eventColumns, on conn: PostgresConnection
    ) throws(StoreError) -> Outcome {
        var attempt = 1
        while true {
            do {
                return try writeOnce(stream, columns: columns, on: conn)
            } catch .server(sqlState: "40P01", _, _) where attempt < 5 {
                attempt += 1  // deadlock victim: the transaction was rolled back whole
            }
        }
    }

    private static func writeOnce(
        _ stream: [UInt8], columns: Columns, on conn: PostgresConnection
    ) throws(StoreError) -> Outcome {
        let byProject = CopyBinaryEncoder.rowsByProject(stream, column: columns.projectColumn)
        return try conn.transaction { () throws(StoreError) in
            // Never idle for long: if this server vanishes mid-batch (nothing closes the
            // connection), PostgreSQL ends the transaction, which would otherwise hold back every
            // projector part's horizon (functions/sluice_step_horizon.sql).
            try conn.execute("SET LOCAL idle_in_transaction_session_timeout = '30s'; SAVEPOINT sluice_direct")
            do throws(StoreError) {
                let copied = try conn.copyIn(columns.direct, data: stream)
                try conn.execute("RELEASE SAVEPOINT sluice_direct")
                return Outcome(copied: copied, inserted: copied, copiedByProject: byProject, insertedByProject: byProject)
            } catch {
                // 23505: a key exists; 40P01: two direct copies of shared events deadlocked.
                guard case .server(let state, _, _) = error, state == "23505" || state == "40P01" else { throw error }
                try conn.execute("ROLLBACK TO SAVEPOINT sluice_direct")
            }
            try conn.execute(createStaging)
            let copied = try conn.copyIn(columns.copy, data: stream)
            var outcome = Outcome(copied: copied, inserted: 0, copiedByProject: byProject)
            for row in try conn.execute(columns.insert).decodedRows {
                let inserted = try row.decode(Int.self, at: 1)
                outcome.insertedByProject[try row.decode(Int32.self, at: 0)] = inserted
                outcome.inserted += inserted
            }
            return outcome
        }
    }
}
