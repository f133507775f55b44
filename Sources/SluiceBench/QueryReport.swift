import Foundation

/// The figures of one `sluice bench queries` run, and their printed table.
public struct QueryReport: Sendable {
    /// How long storing the generated events took.
    public struct Load: Sendable {
        public var seconds: Double
        public var events: Int
    }

    /// One query: its latency percentiles and the raw equivalent's median, in ms.
    public struct Result: Sendable {
        public var name: String
        public var p50: Double
        public var p95: Double
        /// nil when the query reads the log itself (there is nothing to compare with).
        public var raw: Double?

        public var speedUp: Double? { raw.map { $0 / max(p50, 0.001) } }
        /// p95 under 20 ms and at least 100× faster than raw; a console page: p95 under 200 ms.
        public var meetsTargets: Bool {
            if name.hasPrefix("console ") { return p95 < 200 }
            return p95 < 20 && (speedUp.map { $0 >= 100 } ?? true)
        }
    }

    public var machine: MachineInfo
    public var database: String
    public var postgresVersion: String
    public var options: QueryBenchmark.Options
    public var stored: Int
    public var load: Load?
    public var foldSeconds: Double
    public var results: [Result]

    public var text: String {
        var lines = reportHeader("sluice bench queries", machine: machine, postgresVersion: postgresVersion, database: database)
        lines.append("  data        \(grouped(stored)) events over \(options.days) days (seed \(options.seed))"
            + (load.map { String(format: ", stored in %.0f s (%@ events/s)", $0.seconds, grouped(Int(Double($0.events) / $0.seconds))) } ?? ", reused"))
        lines.append("  projection  " + String(format: "caught up %.0f s after sluice serve started", foldSeconds))
        lines.append("  runs        \(options.runs) per query after a warm-up (HTTP GET for the API, SQL for panels); raw: median of \(options.rawRuns)")
        lines.append("")
        lines.append(pad("query", 52) + lpad("p50 ms", 9) + lpad("p95 ms", 9) + lpad("raw ms", 11) + lpad("speed-up", 10) + "  targets")
        for r in results {
            lines.append(pad(r.name, 52) + lpad(String(format: "%.2f", r.p50), 9) + lpad(String(format: "%.2f", r.p95), 9)
                + lpad(r.raw.map { String(format: "%.0f", $0) } ?? "-", 11)
                + lpad(r.speedUp.map { String(format: "%.0f×", $0) } ?? "n/a", 10)
                + "  " + (r.meetsTargets ? "met" : "NOT met"))
        }
        // The targets are the dashboards' (issue 3), on their default view (every project); one
        // project's panels and the API's requests are held to them too.
        let panels = results.filter { $0.name.hasPrefix("panel ") }
        let one = panels.filter { $0.name.contains(", project ") }
        let all = panels.filter { !$0.name.contains(", project ") }
        let api = results.filter { !$0.name.hasPrefix("panel ") && !$0.name.hasPrefix("console ") }
        let console = results.filter { $0.name.hasPrefix("console ") }
        func met(_ r: [Result]) -> String { "\(r.filter(\.meetsTargets).count) of \(r.count)" }
        lines.append("")
        if !panels.isEmpty || !api.isEmpty {
            lines.append("  targets: p95 < 20 ms and ≥ 100× faster than the raw GROUP BY: dashboard panels \(met(all)) met"
                + " (every project), \(met(one)) (one project); API requests \(met(api)) (n/a: the query reads the log itself)")
        }
        if !console.isEmpty { lines.append("  console pages: p95 < 200 ms, \(met(console)) met") }
        return lines.joined(separator: "\n")
    }
}
