import ArgumentParser
import SluiceBench

extension Bench {
    struct RateLimitBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ratelimit",
            abstract: "Rate limits: one API key flooding against another key's ack latency.",
            discussion: """
                Creates sluice_bench_ratelimit (on the server of DATABASE_URL, or of the embedded
                cluster) with two admin keys, starts `sluice serve` on it, and has key B post at a
                steady rate for --seconds alone, then for --seconds more while key A floods from
                --flood-clients clients as fast as it is answered (ignoring Retry-After), over its
                rate of --flood-limit events/s. Prints B's p50 and p99 in both phases, their
                ratio, B's refusals (expected: none) and A's answers.
                """)

        @OptionGroup var options: RateLimitBenchmark.Options

        func run() async throws {
            try await Bench.withTarget { target in
                print(try await RateLimitBenchmark(options: options, target: target).run().text)
            }
        }
    }
}
