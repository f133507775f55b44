import ArgumentParser
import Foundation
import Logging
import SluiceBench
import SluiceStore

extension Bench {
    struct Queries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read latency: every read API request and dashboard panel against the raw GROUP BY.",
            discussion: """
                Generates realistic agent events over --days days into a fresh database
                (sluice_bench_queries) on the server of DATABASE_URL, or of the embedded cluster, with
                Sluice's binary COPY writer; starts `sluice serve` on it and waits for its projector to
                fold them; then times each read API request over HTTP and each panel query of the
                dashboard over SQL (p50, p95), next to the raw GROUP BY over agent_events that answers the
                same question (median). The database is kept: --reuse measures it again without loading.
                """)

        @Option(help: "Events to generate.")
        var events = 10_000_000

        @Option(help: "Days the events span, ending now.")
        var days = 30

        @Option(help: "Timed runs per query (after a warm-up run).")
        var runs = 50

        @Option(help: "Timed runs per raw GROUP BY (its median is reported).")
        var rawRuns = 1

        @Option(help: "Seed of the event generator.")
        var seed: UInt64 = 1

        @Option(help: "The Grafana dashboard whose panels are measured.")
        var dashboard = "dashboards/sluice-overview.json"

        @Flag(help: "Measure the database an earlier run loaded, without loading it again.")
        var reuse = false

        func validate() throws {
            guard events > 0 else { throw ValidationError("--events must be positive") }
            guard days > 0 else { throw ValidationError("--days must be positive") }
            guard runs > 0, rawRuns > 0 else { throw ValidationError("--runs and --raw-runs must be positive") }
        }

        func run() async throws {
            try Sluice.bootstrapLogging()
            let logger = Logger(label: "sluice.bench")
            let database = try Database.open(logger: logger)
            defer { database.close() }
            let benchmark = QueryBenchmark(
                options: .init(events: events, days: days, runs: runs, rawRuns: rawRuns, seed: seed, reuse: reuse, dashboard: dashboard),
                databaseURL: database.url,
                databaseLabel: database.cluster.map { "embedded cluster at \($0.directory.path)" } ?? "DATABASE_URL",
                serverExecutable: Bundle.main.executablePath ?? CommandLine.arguments[0],
                logger: logger)
            print(try await benchmark.run().text)
        }
    }
}
