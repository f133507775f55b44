import Foundation
import SluiceStore

/// CPU time of the server's PostgreSQL backends by role, from `/proc/<pid>/stat` (user + system):
/// `sluice serve` names its connections in `pg_stat_activity` ("sluice projector <part>", "sluice
/// ingest"), so a benchmark on the database's own machine can say what each role costs.
struct BackendCPU: Sendable {
    /// CPU seconds by backend pid, with each backend's `application_name`.
    var seconds: [Int32: (name: String, seconds: Double)] = [:]

    /// Reads the backends of the connection's database named `sluice …`; nil when `/proc` does not
    /// show them (the database runs on another machine).
    static func sample(_ conn: PostgresConnection) throws(StoreError) -> BackendCPU? {
        let rows = try conn.execute("""
            SELECT pid, application_name FROM pg_stat_activity
             WHERE datname = current_database() AND application_name LIKE 'sluice %'
            """).decodedRows
        var out = BackendCPU()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        for row in rows {
            let pid = try row.decode(Int32.self, at: 0)
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After the command name: state is field 3, utime 14 and stime 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            out.seconds[pid] = (try row.decode(String.self, at: 1), (user + system) / ticks)
        }
        return out.seconds.isEmpty ? nil : out
    }

    /// CPU seconds used since `earlier`, summed by `application_name`.
    func since(_ earlier: BackendCPU) -> [String: Double] {
        var used: [String: Double] = [:]
        for (pid, now) in seconds { used[now.name, default: 0] += now.seconds - (earlier.seconds[pid]?.seconds ?? 0) }
        return used
    }
}
