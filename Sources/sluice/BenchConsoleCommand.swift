import ArgumentParser
import SluiceBench

extension Bench {
    struct Console: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Web console pages: time to first byte and to the complete page (HTML, assets, API requests).",
            discussion: """
                `sluice bench queries --only console`: the same database (sluice_bench_queries, loaded
                unless --reuse) and server, measuring only the console's pages. Target: p95 < 200 ms.
                """)

        @OptionGroup var options: QueryBenchmark.Options

        func run() async throws {
            var options = options
            options.only = options.only ?? "console"
            try await Bench.withTarget { target in
                print(try await QueryBenchmark(options: options, target: target).run().text)
            }
        }
    }
}
