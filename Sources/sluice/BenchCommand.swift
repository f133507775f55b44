import ArgumentParser
import Foundation
import Logging
import SluiceArchive
import SluiceBench
import SluiceStore

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks.", subcommands: [Ingest.self, Queries.self, ArchiveBench.self, ImportBench.self])

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

        @Option(help: "Events to generate.")
        var events = 1_000_000

        @Option(help: "Concurrent HTTP clients, each with one keep-alive connection.")
        var concurrency = 4

        @Option(help: "Events per HTTP request (at most 10000, the server's default limit).")
        var batch = 1000

        @Option(help: "Seed of the event generator.")
        var seed: UInt64 = 1

        @Option(help: "Events posted at half the measured rate while the projection lag is probed (default: a fifth of --events).")
        var steady: Int?

        @Flag(help: "Keep the bench databases and the server's log afterwards (they are deleted otherwise).")
        var keep = false

        func validate() throws {
            guard events > 0 else { throw ValidationError("--events must be positive") }
            guard steady.map({ $0 > 0 }) ?? true else { throw ValidationError("--steady must be positive") }
            guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
            guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 10000") }
        }

        func run() async throws {
            try Sluice.bootstrapLogging()
            let logger = Logger(label: "sluice.bench")
            let database = try Database.open(logger: logger)
            defer { database.close() }
            let benchmark = IngestBenchmark(
                options: .init(events: events, concurrency: concurrency, batch: batch, seed: seed, keep: keep, steadyEvents: steady),
                databaseURL: database.url,
                databaseLabel: database.cluster.map { "embedded cluster at \($0.directory.path)" } ?? "DATABASE_URL",
                serverExecutable: Bundle.main.executablePath ?? CommandLine.arguments[0],
                logger: logger)
            let report = try await benchmark.run()
            print(report.text)
            guard report.verified else {
                logger.error("a database does not hold every generated event")
                throw ExitCode.failure
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

        @Option(help: "Events in the segment.")
        var events = 1_000_000

        @Option(help: "Seed of the event generator.")
        var seed: UInt64 = 1

        @Option(help: "Compression: fast, hc or hc:N.")
        var level = "fast"

        @Flag(help: "Keep the bench databases afterwards.")
        var keep = false

        func run() async throws {
            try Sluice.bootstrapLogging()
            let logger = Logger(label: "sluice.bench")
            guard let level = LZ4Level(level) else { throw ValidationError("--level: fast, hc or hc:3 … hc:12") }
            let database = try Database.open(logger: logger)
            defer { database.close() }
            let benchmark = ArchiveBenchmark(
                options: .init(events: events, seed: seed, level: level, keep: keep), databaseURL: database.url, logger: logger)
            print(try await benchmark.run())
        }
    }

    struct ImportBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Claude transcript import: parse + map throughput (one core, no database) against wc -l of the same files.")

        @Option(help: "Megabytes of transcripts to generate.")
        var megabytes = 256

        @Option(help: "Seed of the generator.")
        var seed: UInt64 = 1

        @Flag(help: "Keep the generated transcripts (printed directory).")
        var keep = false

        func run() async throws {
            try Sluice.bootstrapLogging()
            print(try await ImportBenchmark(options: .init(megabytes: megabytes, seed: seed, keep: keep)).run())
        }
    }
}
