/// What `sluice doctor` reports about a database.
public struct DoctorReport: Sendable, CustomStringConvertible {
    public var mode: String
    public var serverVersion: String
    public var timescaleVersion: String?
    public var timescaleAvailable: Bool
    public var applied: [String]
    public var pending: [String]
    /// Plain mode: daily partitions and rows waiting in the default partition.
    public var partitions: [String]
    public var defaultPartitionRows: Int
    /// TimescaleDB mode: chunks and how many are compressed.
    public var chunks: Int
    public var compressedChunks: Int
    public var estimatedEvents: Int

    public var description: String {
        var lines = [
            "mode:            \(mode)",
            "postgresql:      \(serverVersion)",
            "timescaledb:     \(timescaleVersion ?? (timescaleAvailable ? "available, not installed in this database" : "not available"))",
            "schema:          \(applied.count) migrations applied" + (applied.last.map { ", latest \($0)" } ?? ""),
        ]
        if !pending.isEmpty { lines.append("pending:         \(pending.joined(separator: ", ")) (run `sluice migrate`)") }
        if mode == "timescale" {
            lines.append("chunks:          \(chunks) (\(compressedChunks) compressed)")
        } else {
            let range = partitions.isEmpty ? "" : " (\(partitions.first!) … \(partitions.last!))"
            lines.append("partitions:      \(partitions.count) daily\(range), default partition holds \(defaultPartitionRows) rows")
        }
        lines.append("events (approx): \(estimatedEvents)")
        return lines.joined(separator: "\n")
    }
}

extension Migrator {
    /// Inspects the database. Blocking.
    public func doctor(_ conn: PostgresConnection) throws(StoreError) -> DoctorReport {
        let hasTable = try conn.execute("SELECT to_regclass('sluice_migrations') IS NOT NULL").scalar() == "t"
        let applied = hasTable ? try conn.execute("SELECT name FROM sluice_migrations ORDER BY name").rows.compactMap { $0[0] } : []
        let hasMeta = try conn.execute("SELECT to_regclass('sluice_meta') IS NOT NULL").scalar() == "t"
        let mode = hasMeta ? (try conn.execute("SELECT sluice_mode()").scalar() ?? "plain") : "not migrated"
        let expected = plain + (mode == "timescale" ? timescale : [])
        let pending = expected.map(\.name).filter { !applied.contains($0) }
        let version = try conn.execute("SHOW server_version").scalar() ?? "?"
        let tsVersion = try conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").scalar()
        let tsAvailable = try conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'").scalar() == "1"
        var report = DoctorReport(mode: mode, serverVersion: version, timescaleVersion: tsVersion, timescaleAvailable: tsAvailable,
                                  applied: applied, pending: pending, partitions: [], defaultPartitionRows: 0,
                                  chunks: 0, compressedChunks: 0, estimatedEvents: 0)
        guard try conn.execute("SELECT to_regclass('agent_events') IS NOT NULL").scalar() == "t" else { return report }
        if mode == "timescale" {
            let r = try conn.execute("""
                SELECT count(*), count(*) FILTER (WHERE is_compressed) FROM timescaledb_information.chunks
                WHERE hypertable_name = 'agent_events'
                """)
            report.chunks = Int(r.rows.first?[0] ?? "0") ?? 0
            report.compressedChunks = Int(r.rows.first?[1] ?? "0") ?? 0
            report.estimatedEvents = Int(try conn.execute("SELECT approximate_row_count('agent_events')").scalar() ?? "0") ?? 0
        } else {
            report.partitions = try conn.execute("""
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'agent_events'::regclass AND c.relname <> 'agent_events_default' ORDER BY c.relname
                """).rows.compactMap { $0[0] }
            report.defaultPartitionRows = Int(try conn.execute("SELECT count(*) FROM agent_events_default").scalar() ?? "0") ?? 0
            report.estimatedEvents = Int(try conn.execute("""
                SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'agent_events'::regclass
                """).scalar() ?? "0") ?? 0
        }
        return report
    }
}
