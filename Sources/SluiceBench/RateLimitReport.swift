import Foundation

/// The figures of one `sluice bench ratelimit` run, and their printed table.
public struct RateLimitReport: Sendable {
    public var machine: MachineInfo
    public var database: String
    public var postgresVersion: String
    public var options: RateLimitBenchmark.Options
    /// B's ack latencies in ms, ascending: alone, and while A floods.
    public var unloaded: [Double]
    public var flooded: [Double]
    /// B's requests answered 429 or 503 (and sent again): 0 when A's flood costs B nothing.
    public var steadyRefused: Int
    /// A's requests answered 200 and 429.
    public var floodAdmitted: Int
    public var floodRefused: Int
    public var floodSeconds: Double

    /// B's p99 under the flood over its p99 alone.
    public var p99Ratio: Double { percentile(flooded, 0.99) / max(percentile(unloaded, 0.99), 0.001) }

    public var text: String {
        var lines = reportHeader("sluice bench ratelimit", machine: machine, postgresVersion: postgresVersion, database: database)
        lines.append("  workload    B: \(options.rate) requests/s of \(options.batch) events for \(options.seconds) s, alone then while A floods;"
            + " A: \(options.floodClients) clients of \(RateLimitBenchmark.floodBatch) events a request, back to back, limited to"
            + " \(grouped(options.floodLimit)) events/s (burst \(grouped(2 * options.floodLimit)))")
        lines.append("")
        lines.append(pad("B's ack latency", 24) + lpad("requests", 10) + lpad("p50 ms", 9) + lpad("p99 ms", 9) + lpad("max ms", 9))
        for (name, latencies) in [("alone", unloaded), ("while A floods", flooded)] {
            lines.append(pad(name, 24) + lpad(grouped(latencies.count), 10)
                + lpad(String(format: "%.1f", percentile(latencies, 0.5)), 9) + lpad(String(format: "%.1f", percentile(latencies, 0.99)), 9)
                + lpad(String(format: "%.1f", latencies.last ?? 0), 9))
        }
        lines.append("")
        lines.append("  p99 flood / alone    " + String(format: "%.2f", p99Ratio))
        lines.append("  B refused            \(steadyRefused) requests answered 429 or 503")
        let total = floodAdmitted + floodRefused
        lines.append("  A's answers          \(grouped(total)) requests in " + String(format: "%.1f s (%@/s)", floodSeconds, grouped(Int(Double(total) / floodSeconds)))
            + ": \(grouped(floodAdmitted)) stored (\(grouped(floodAdmitted * RateLimitBenchmark.floodBatch)) events), \(grouped(floodRefused)) answered 429")
        return lines.joined(separator: "\n")
    }
}
