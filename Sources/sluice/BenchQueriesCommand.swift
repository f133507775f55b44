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

        @OptionGroup var options: QueryBenchmark.Options

        func run() async throws {
            try await Bench.withTarget { target in
                print(try await QueryBenchmark(options: options, target: target).run().text)
            }
        }
    }
}
