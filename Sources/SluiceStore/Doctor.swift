/// What `sluice doctor` reports about a database.
public struct DoctorReport: Sendable, CustomStringConvertible {
    public var mode: String
    public var serverVersion: String
    public var timescaleVersion: String?
    public var timescaleAvailable: Bool
    public var applied: [String]
    /// Versioned migrations not applied.
    public var pending: [String]
    /// Definitions never applied, or applied with other text than this build's.
    public var pendingDefinitions: [String]
    /// The definitions this build has for the database's mode.
    public var definitions: Int
    /// Plain mode: daily partitions and rows waiting in the default partition.
    public var partitions: [String]
    public var defaultPartitionRows: Int
    /// TimescaleDB mode: chunks and how many are compressed.
    public var chunks: Int
    public var compressedChunks: Int
    /// Rows of `agent_events` as PostgreSQL estimates them (TimescaleDB: `approximate_row_count`;
    /// plain: the partitions' `reltuples`), plus the exact count of the partitions or uncompressed
    /// chunks never analyzed, which those estimates count as 0.
    public var estimatedEvents: Int
    /// Partitions or chunks never analyzed (`reltuples = -1`) that hold rows, counted exactly.
    public var neverAnalyzed: Int
    /// TimescaleDB mode: the database's background jobs; nil in plain mode (the section does not apply).
    public var jobs: [TimescaleJob]?
    /// Whether `timescaledb_information.job_errors` exists (it gives each job's last error).
    public var jobErrorsAvailable: Bool

    public var description: String {
        var lines = [
            "mode:            \(mode)",
            "postgresql:      \(serverVersion)",
            "timescaledb:     \(timescaleVersion ?? (timescaleAvailable ? "available, not installed in this database" : "not available"))",
            "schema:          \(applied.count) migrations applied" + (applied.last.map { ", latest \($0)" } ?? ""),
        ]
        if !pending.isEmpty { lines.append("pending:         \(pending.joined(separator: ", ")) (run `sluice migrate`)") }
        if pendingDefinitions.isEmpty {
            lines.append("definitions:     \(definitions) current")
        } else {
            lines.append("definitions:     \(pendingDefinitions.count) of \(definitions) not current: \(pendingDefinitions.joined(separator: ", ")) (run `sluice migrate`)")
        }
        if mode == "timescale" {
            lines.append("chunks:          \(chunks) (\(compressedChunks) compressed)")
        } else {
            let range = partitions.isEmpty ? "" : " (\(partitions.first!) … \(partitions.last!))"
            lines.append("partitions:      \(partitions.count) daily\(range), default partition holds \(defaultPartitionRows) rows")
        }
        let unit = mode == "timescale" ? "chunk" : "partition"
        lines.append("events (approx): \(estimatedEvents)"
                     + (neverAnalyzed == 0 ? "" : " (\(neverAnalyzed) \(unit)\(neverAnalyzed == 1 ? "" : "s") never analyzed, counted exactly)"))
        if let jobs {
            lines.append("jobs:            \(jobs.count) TimescaleDB background job\(jobs.count == 1 ? "" : "s")"
                         + (jobErrorsAvailable ? "" : " (no job_errors view in this TimescaleDB: last errors not shown)"))
            lines += jobs.flatMap(\.lines)
        } else {
            lines.append("jobs:            not applicable (\(mode == "timescale" ? "timescaledb is not installed" : "plain mode has no TimescaleDB background jobs"))")
        }
        return lines.joined(separator: "\n")
    }
}

extension Migrator {
    /// Inspects the database. Blocking.
    public func doctor(_ conn: PostgresConnection) throws(StoreError) -> DoctorReport {
        let recorded = try RecordedSchema.read(on: conn)
        let hasMeta = try conn.execute("SELECT to_regclass('sluice_meta') IS NOT NULL").scalar(Bool.self) == true
        let mode = hasMeta ? (try conn.execute("SELECT sluice_mode()").scalar(String.self) ?? "plain") : "not migrated"
        let expected = try expectation(for: DatabaseMode(rawValue: mode) ?? .plain, on: conn)
        let pending = expected.pending(in: recorded)
        let versions = try conn.execute("""
            SELECT current_setting('server_version'),
                   (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'),
                   EXISTS (SELECT FROM pg_available_extensions WHERE name = 'timescaledb')
            """).firstRow
        let tsVersion = try versions?.decodeIfPresent(String.self, at: 1)
        var report = DoctorReport(mode: mode, serverVersion: try versions?.decode(String.self, at: 0) ?? "?", timescaleVersion: tsVersion,
                                  timescaleAvailable: try versions?.decode(Bool.self, at: 2) ?? false,
                                  applied: recorded.migrations.sorted(), pending: pending.migrations,
                                  pendingDefinitions: pending.definitions, definitions: expected.definitions.count,
                                  partitions: [], defaultPartitionRows: 0,
                                  chunks: 0, compressedChunks: 0, estimatedEvents: 0, neverAnalyzed: 0,
                                  jobs: nil, jobErrorsAvailable: false)
        if mode == "timescale", tsVersion != nil {
            (report.jobs, report.jobErrorsAvailable) = try TimescaleJob.all(on: conn)
        }
        guard try conn.execute("SELECT to_regclass('agent_events') IS NOT NULL").scalar(Bool.self) == true else { return report }
        let estimate: QueryResult
        if mode == "timescale" {
            let r = try conn.execute("""
                SELECT count(*), count(*) FILTER (WHERE is_compressed) FROM timescaledb_information.chunks
                WHERE hypertable_name = 'agent_events'
                """)
            report.chunks = try r.scalar(Int.self, column: 0) ?? 0
            report.compressedChunks = try r.scalar(Int.self, column: 1) ?? 0
            // approximate_row_count counts a chunk never analyzed as 0 rows (4,690 rows in fresh
            // chunks gave 0): those are counted. A compressed chunk is left to it.
            estimate = try conn.execute("""
                SELECT approximate_row_count('agent_events') + \(Self.neverAnalyzedRows), count(*)
                FROM timescaledb_information.chunks ch
                JOIN pg_class c ON c.oid = format('%I.%I', ch.chunk_schema, ch.chunk_name)::regclass
                WHERE ch.hypertable_name = 'agent_events' AND NOT ch.is_compressed
                  AND c.reltuples < 0 AND pg_relation_size(c.oid) > 0
                """)
        } else {
            report.partitions = try conn.execute("""
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'agent_events'::regclass AND c.relname <> 'agent_events_default' ORDER BY c.relname
                """).decodedRows.map { row throws(StoreError) in try row.decode(String.self, at: 0) }
            report.defaultPartitionRows = try conn.execute("SELECT count(*) FROM agent_events_default").scalar(Int.self) ?? 0
            // reltuples is -1 until a partition is first analyzed (autovacuum does it after its
            // first rows, or ANALYZE): such a partition is counted, an empty one is 0.
            estimate = try conn.execute("""
                SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint + \(Self.neverAnalyzedRows),
                       count(*) FILTER (WHERE c.reltuples < 0 AND pg_relation_size(c.oid) > 0)
                FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'agent_events'::regclass
                """)
        }
        report.estimatedEvents = try estimate.scalar(Int.self, column: 0) ?? 0
        report.neverAnalyzed = try estimate.scalar(Int.self, column: 1) ?? 0
        return report
    }

    /// Over `pg_class c`: the exact rows of the relations never analyzed that are not empty
    /// (`query_to_xml` runs the count in the same read query; the name comes from the catalog, quoted).
    private static let neverAnalyzedRows = """
        coalesce(sum(CASE WHEN c.reltuples < 0 AND pg_relation_size(c.oid) > 0
                     THEN (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM ONLY %s', c.oid::regclass), false, true, '')))[1]::text::bigint
                     ELSE 0 END), 0)::bigint
        """
}
