import ArgumentParser
import Foundation
import Logging
import SluiceBench
import SluiceStore

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks.", subcommands: [Ingest.self, Queries.self, Console.self, RateLimitBench.self, ArchiveBench.self, ImportBench.self])

    /// Runs `body` against the database of DATABASE_URL or the embedded cluster, with this
    /// executable as the `sluice serve` that benchmarks start.
    static func withTarget<T>(_ body: (BenchTarget) async throws -> T) async throws -> T {
        try await Database.using(label: "sluice.bench") { database, logger in
            try await body(BenchTarget(
                databaseURL: database.url,
                databaseLabel: database.cluster.map { "embedded cluster at \($0.directory.path)" } ?? "DATABASE_URL",
                serverExecutable: Bundle.main.executablePath ?? CommandLine.arguments[0],
                logger: logger))
        }
    }

    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest throughput: HTTP end to end against psql \\copy (text) and binary COPY.",
            discussion: """
                Generates realistic agent events (deterministic for a seed), then loads them into three
                fresh databases (sluice_bench_http, sluice_bench_copy, sluice_bench_binary) on the server
                of DATABASE_URL, or of the embedded cluster: over HTTP through a child `sluice serve`,
                with `psql \\copy` from a CSV file, and with Sluice's binary COPY writer. Prints the
                figures; it asserts only that every database holds every event.
                """)

        @OptionGroup var options: IngestBenchmark.Options

        func run() async throws {
            try await Bench.withTarget { target in
                let report = try await IngestBenchmark(options: options, target: target).run()
                print(report.text)
                guard report.verified else {
                    target.logger.error("a database does not hold every generated event")
                    throw ExitCode.failure
                }
            }
        }
    }

    struct ArchiveBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "archive",
            abstract: "Archive throughput and size: one day of events against the lz4 tool on the same bytes; restore.",
            discussion: """
                Loads one UTC day of generated events into sluice_bench_archive (on the server of
                DATABASE_URL or the embedded cluster), archives it, compresses the same payload with
                the stock lz4 tool, and restores the archive into sluice_bench_restore.
                """)

        @OptionGroup var options: ArchiveBenchmark.Options

        func run() async throws {
            try await Bench.withTarget { target in
                print(try await ArchiveBenchmark(options: options, target: target).run())
            }
        }
    }

    struct ImportBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Claude transcript import: parse + map throughput (one core, no database) against wc -l of the same files.")

        @OptionGroup var options: ImportBenchmark.Options

        func run() async throws {
            try Sluice.bootstrapLogging()
            print(try await ImportBenchmark(options: options).run())
        }
    }
}
