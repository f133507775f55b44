import Foundation

/// The figures of one `sluice bench ingest` run, and their printed table. MB are 10⁶ bytes.
public struct BenchReport: Sendable {
    /// One way of loading the events.
    public struct Path: Sendable {
        public var name: String
        /// The form of the input (`JSON`, `CSV`, `binary`) and its size.
        public var input: String
        public var bytes: Int
        public var seconds: Double
        public var events: Int

        public var eventsPerSecond: Double { Double(events) / seconds }
        public var megabytesPerSecond: Double { Double(bytes) / 1e6 / seconds }
    }

    public var machine: MachineInfo
    public var database: String
    public var postgresVersion: String
    public var options: IngestBenchmark.Options
    public var eventBytes: ClosedRange<Int>
    public var meanEventBytes: Int
    public var requests: Int
    public var http: Path
    public var psqlCopy: Path
    public var binaryCopy: Path
    /// Ack latency percentiles, in ms.
    public var latencyP50: Double
    public var latencyP99: Double
    public var retries: Int
    public var serverPeakRSS: Int?
    /// How the server ended after SIGTERM, and how long it took.
    public var serverExit: String
    public var serverStopSeconds: Double
    /// The `SLUICE_*` settings the server ran with (empty: its defaults).
    public var serverSettings: [String]
    /// `count(*)` of `agent_events` in each bench database.
    public var rows: [(database: String, count: Int, expected: Int)]
    /// Projection lag: at half the measured HTTP rate, per probe sample (seconds, ascending), and
    /// the catch-up after the full-speed phase.
    public var halfRate: Double
    public var halfRateLags: [Double]
    /// The lag per probe sample during the full-speed phase (seconds, ascending).
    public var burstLags: [Double]
    public var catchUpSeconds: Double?
    /// CPU seconds of the server's backends from the start of the full-speed phase until the
    /// projections held all of it, by `application_name` (nil: `/proc` cannot show them).
    public var burstCPU: [String: Double]?
    /// The HTTP path again, into a fresh database, with redaction off (`SLUICE_REDACT=off`).
    public var httpUnredacted: Path
    /// Redaction's cost on the server's per-event work, measured in the same run.
    var redaction: RedactionCost?

    /// Every database holds exactly the events generated.
    public var verified: Bool { rows.allSatisfy { $0.count == $0.expected } }

    public var httpToPsql: Double { http.eventsPerSecond / psqlCopy.eventsPerSecond }
    public var binaryToPsql: Double { binaryCopy.eventsPerSecond / psqlCopy.eventsPerSecond }

    public var text: String {
        var lines = reportHeader("sluice bench ingest", machine: machine, postgresVersion: postgresVersion, database: database)
        lines.append("  server      sluice serve with " + (serverSettings.isEmpty ? "default settings" : serverSettings.joined(separator: " ")))
        lines.append("  workload    \(grouped(options.events)) events (seed \(options.seed)), \(eventBytes.lowerBound)–\(eventBytes.upperBound) B of JSON each (mean \(meanEventBytes)); "
            + "\(grouped(requests)) requests of ≤ \(grouped(options.batch)) events from \(options.concurrency) clients")
        lines.append("")
        lines.append(pad("path", 36) + lpad("input", 16) + lpad("seconds", 10) + lpad("events/s", 12) + lpad("MB/s", 9))
        for p in [http, psqlCopy, binaryCopy, httpUnredacted] {
            lines.append(pad(p.name, 36)
                + lpad("\(p.input) \(String(format: "%.1f", Double(p.bytes) / 1e6)) MB", 16)
                + lpad(String(format: "%.2f", p.seconds), 10)
                + lpad(grouped(Int(p.eventsPerSecond.rounded())), 12)
                + lpad(String(format: "%.1f", p.megabytesPerSecond), 9))
        }
        lines.append("")
        lines.append("  HTTP / psql copy     " + String(format: "%.2f", httpToPsql) + "   (target ≥ 0.90: \(httpToPsql >= 0.9 ? "met" : "not met"))")
        lines.append("  binary / psql copy   " + String(format: "%.2f", binaryToPsql))
        lines.append("  ack latency          " + String(format: "p50 %.1f ms, p99 %.1f ms", latencyP50, latencyP99)
            + " over \(grouped(requests)) requests (\(retries) refused and resent)")
        if let rss = serverPeakRSS {
            let mb = Double(rss) / 1e6
            lines.append("  server peak RSS      " + String(format: "%.1f MB", mb) + " (VmHWM; target < 300 MB: \(mb < 300 ? "met" : "not met"))")
        } else {
            lines.append("  server peak RSS      unknown (no /proc/<pid>/status)")
        }
        lines.append("  server shutdown      \(serverExit), " + String(format: "%.1f s", serverStopSeconds) + " after SIGTERM")
        let counts = rows.map { "\($0.database) \(grouped($0.count))/\(grouped($0.expected))" }.joined(separator: ", ")
        lines.append("  rows stored          \(counts) (stored/expected: \(verified ? "ok" : "MISMATCH"))")
        func lag(_ lags: [Double]) -> String {
            lags.isEmpty ? "no samples"
                : String(format: "p50 %.2f s, p99 %.2f s, max %.2f s over %d samples", percentile(lags, 0.5), percentile(lags, 0.99), lags.last!, lags.count)
        }
        func met(_ lags: [Double]) -> String { lags.isEmpty ? "" : percentile(lags, 0.99) <= 1 ? ": met" : ": not met" }
        lines.append("  projection lag       at full speed: \(lag(burstLags)) (target p99 ≤ 1 s\(met(burstLags)))")
        lines.append("                       at half rate (\(grouped(Int(halfRate))) events/s): \(lag(halfRateLags)) (target p99 ≤ 1 s\(met(halfRateLags)))")
        lines.append("  projection catch-up  " + (catchUpSeconds.map { String(format: "%.1f s after the full-speed phase's last ack", $0) } ?? "not within 300 s"))
        if let cpu = burstCPU {
            // Per event of the full-speed phase: each part folds every event once.
            let perEvent = { (name: String) in (cpu[name] ?? 0) * 1e6 / Double(http.events) }
            let parts = cpu.keys.filter { $0.hasPrefix("sluice projector ") }.sorted()
            let projector = parts.reduce(0) { $0 + perEvent($1) }
            lines.append("  projector CPU        " + String(format: "%.1f µs/event", projector) + " in PostgreSQL over the full-speed phase and its catch-up ("
                + parts.map { $0.dropFirst("sluice projector ".count) + String(format: " %.1f", perEvent($0)) }.joined(separator: ", ") + ")")
            lines.append("  ingest CPU           " + String(format: "%.1f µs/event", perEvent("sluice ingest")) + " in PostgreSQL (the writers' COPY backends)")
        } else {
            lines.append("  projector CPU        unknown (the database's backends are not in this machine's /proc)")
        }
        lines.append("  redaction on / off   " + String(format: "%.2f", httpUnredacted.seconds / http.seconds)
            + " (HTTP events/s with the built-in rules over without)")
        if let r = redaction {
            lines.append("  redaction CPU        " + String(format: "route decode+encode %.2f µs/event off, %.2f on: +%.1f%% (%d secrets found)",
                                                         r.microsecondsPerEventOff, r.microsecondsPerEventOn, r.overhead * 100, r.redactions))
        }
        return lines.joined(separator: "\n")
    }
}
