import ArgumentParser
import Foundation
import Logging
import SluiceArchive
import SluiceCore
import SluiceProcess
import SluiceStore

/// `sluice bench archive`: one day of `events` realistic events archived, next to the stock `lz4`
/// tool compressing the same payload bytes in the same run, then restored into an empty database.
public struct ArchiveBenchmark: TargetedBenchmark {
    /// The options of `sluice bench archive`.
    public struct Options: ParsableArguments, Sendable {
        @Option(help: "Events in the segment.")
        public var events = 1_000_000

        @Option(help: "Seed of the event generator.")
        public var seed: UInt64 = 1

        @Option(help: "Compression: fast (the default), hc or hc:N.", transform: { text in
            guard let level = LZ4Level(text) else { throw ValidationError("--level \(text): use fast, hc or hc:3 … hc:12") }
            return level
        })
        public var level = LZ4Level.fast

        @Flag(help: "Keep the bench databases afterwards.")
        public var keep = false

        public init() {}
    }

    public var options: Options
    public var target: BenchTarget

    public init(options: Options, target: BenchTarget) {
        self.options = options
        self.target = target
    }

    public func run() async throws -> String {
        let databases = BenchDatabases(adminURL: target.databaseURL, names: ["sluice_bench_archive", "sluice_bench_restore"])
        try await databases.recreate(logger: logger)
        let source = databases.url("sluice_bench_archive"), target = databases.url("sluice_bench_restore")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-archive-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        // Restore batches as `sluice archive restore` makes them (the configuration's default).
        let configuration = ArchiveConfiguration(directory: work.appendingPathComponent("archive"), level: options.level)

        // Three days ago, one UTC day of events, loaded with the writer's binary COPY.
        let nowMicros = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let dayStart = nowMicros - nowMicros % 86_400_000_000 - 3 * 86_400_000_000
        let (events, seed) = (options.events, options.seed)
        logger.info("loading one day of events", metadata: ["events": "\(events)"])
        let streams = try await withWorker(source) { _ throws(StoreError) in
            Self.oneDay(events: events, seed: seed, dayStart: dayStart)
        }
        for stream in streams {
            _ = try await withWorker(source) { conn throws(StoreError) in try EventWriter.write(stream, on: conn) }
        }
        let day = String(Timestamp(microsecondsSinceEpoch: dayStart).rfc3339.prefix(10))
        let sizes = try await withWorker(source) { conn throws(StoreError) in
            try conn.execute("VACUUM (ANALYZE) agent_events")
            _ = try? conn.execute("CHECKPOINT")
            return try conn.execute("""
                SELECT pg_table_size(c.oid), pg_total_relation_size(c.oid) FROM pg_class c
                 WHERE c.relname = 'agent_events_p' || replace($1, '-', '')
                """, [day]).firstRow
        }
        guard let sizes else { throw BenchError("the partition of \(day) was not found") }
        let tableBytes = try sizes.decode(Int.self, at: 0)
        let totalBytes = try sizes.decode(Int.self, at: 1)

        // Archive (database read, LZ4, SHA-256, fsync, read back and verify).
        let archiveLogger = logger
        let clock = ContinuousClock()
        let t0 = clock.now
        let written = try await withWorker(source) { conn throws(StoreError) in
            Result { try Archiver(configuration: configuration, logger: archiveLogger).run(on: conn) }
        }.get()
        let archiveSeconds = (clock.now - t0).seconds
        guard let part = written.first, written.count == 1 else { throw BenchError("expected one archived part, got \(written.count)") }
        let m = part.manifest

        // The same payload bytes through the stock lz4 tool (file in page cache, output to a file).
        let file = ArchiveDirectory(root: configuration.directory).dataFile(day: day, part: 1)
        let payload = work.appendingPathComponent("payload.pgcopy")
        try await Self.tool(["lz4", "-d", "-q", "-f", file.path, payload.path])
        let lz4Flag = options.level == .fast ? "-1" : "-\(options.level.description.split(separator: ":").last ?? "9")"
        var cliSeconds: [Double] = []
        for _ in 0..<3 {
            let c0 = clock.now
            try await Self.tool(["lz4", "-q", "-f", lz4Flag, "-BD", payload.path, work.appendingPathComponent("cli.lz4").path])
            cliSeconds.append((clock.now - c0).seconds)
        }
        let cliBest = cliSeconds.min() ?? 1
        let cliBytes = (try? FileManager.default.attributesOfItem(atPath: work.appendingPathComponent("cli.lz4").path)[.size] as? Int) ?? 0

        // The stock tools doing the whole job: psql's COPY of the same rows, in the same order,
        // piped into lz4 (the day comes in through PGOPTIONS, not into the SQL).
        var pipeSeconds: [Double] = []
        let pipeOutput = work.appendingPathComponent("pipe.lz4")
        for _ in 0..<2 {
            let c0 = clock.now
            try await Self.shell(
                #"psql "$1" -X -q -v ON_ERROR_STOP=1 -c 'COPY (SELECT * FROM sluice_archive_rows()) TO STDOUT (FORMAT binary)' | lz4 -q -f "$2" -BD - "$3""#,
                arguments: [source, lz4Flag, pipeOutput.path], environment: ["PGOPTIONS": "-c sluice.archive_day=\(day)"])
            pipeSeconds.append((clock.now - c0).seconds)
        }
        let pipeBest = pipeSeconds.min() ?? 1

        // Restore into an empty database.
        let r0 = clock.now
        let restored = try await withWorker(target) { conn throws(StoreError) in
            Result { try ArchiveRestorer(configuration: configuration, logger: archiveLogger).restore(fromDay: day, toDay: day, on: conn) }
        }.get()
        let restoreSeconds = (clock.now - r0).seconds
        let restoredRows = restored.reduce(0) { $0 + $1.inserted }

        let mb = Double(m.payloadBytes) / 1e6
        let t = part.timing
        let machine = MachineInfo.current()
        func f(_ x: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", x) }
        var out = "sluice bench archive\n"
        out += "  machine     \(machine.processors) CPUs, \(machine.cpuModel)\n"
        out += "  segment     \(day): \(m.rows) events, table \(f(Double(tableBytes) / 1e6, 1)) MB (\(f(Double(totalBytes) / 1e6, 1)) MB with indexes)\n"
        out += "  payload     binary COPY \(f(mb, 1)) MB, sorted by \(ArchivePayload.order.joined(separator: ", "))\n"
        out += "  archive     LZ4 \(m.compression.level): \(f(Double(m.fileBytes) / 1e6, 2)) MB; payload/archive \(f(m.ratio)), table/archive \(f(Double(tableBytes) / Double(m.fileBytes))), table+indexes/archive \(f(Double(totalBytes) / Double(m.fileBytes)))\n"
        out += "  lz4 tool    \(lz4Flag) -BD on the same payload: \(f(Double(cliBytes) / 1e6, 2)) MB, best of 3 \(f(cliBest, 3)) s = \(f(mb / cliBest, 0)) MB/s\n\n"
        out += "  archive run \(f(archiveSeconds, 2)) s = \(f(mb / archiveSeconds, 0)) MB/s of payload, \(f(Double(m.rows) / archiveSeconds, 0)) rows/s\n"
        out += "    database read (COPY TO, server sort)  \(f(t.database.seconds, 2)) s\n"
        out += "    LZ4 + SHA-256                         \(f(t.compression.seconds, 2)) s = \(f(mb / t.compression.seconds, 0)) MB/s\n"
        out += "    write + fsync + rename                \(f(t.writing.seconds, 2)) s\n"
        out += "    read back and verify                  \(f(t.verification.seconds, 2)) s\n"
        out += "  psql COPY | lz4 \(lz4Flag) (the same rows, order and level; best of 2): \(f(pipeBest, 2)) s = \(f(mb / pipeBest, 0)) MB/s\n\n"
        out += "  archive / (psql COPY | lz4), database read included   \(f(pipeBest / archiveSeconds))   (target ≥ 0.80)\n"
        out += "  compression stage / lz4 on the payload file           \(f(cliBest / t.compression.seconds))\n"
        out += "  archive / lz4 on the payload file (no database read)  \(f(cliBest / archiveSeconds))\n"
        out += "  restore     (\(configuration.restoreBatchRows)-row COPY transactions) \(restoredRows) rows in \(f(restoreSeconds, 2)) s = \(f(Double(restoredRows) / restoreSeconds, 0)) rows/s, \(f(mb / restoreSeconds, 0)) MB/s of payload\n"
        if !options.keep { try await databases.drop() }
        guard restoredRows == options.events else { throw BenchError("restored \(restoredRows) of \(options.events) events") }
        return out
    }

    /// Runs a tool found on PATH and waits for it.
    static func tool(_ arguments: [String]) async throws {
        try await ChildProcess.run(arguments, output: .discard).checked()
    }

    /// Runs a `bash -c` script (pipefail) with positional arguments and extra environment, and waits for it.
    static func shell(_ script: String, arguments: [String], environment: [String: String]) async throws {
        let exit = try await ChildProcess.run(
            ["/bin/bash", "-c", "set -euo pipefail; " + script, "bash"] + arguments, environment: environment, output: .discard).exit
        guard exit.succeeded else { throw BenchError("bash -c \(script) \(exit)") }
    }

    /// `events` generated events moved into one UTC day (times scaled from the generator's three-day
    /// window, order kept), as binary COPY streams of 10,000 rows.
    static func oneDay(events: Int, seed: UInt64, dayStart: Int64) -> [[UInt8]] {
        let now = Timestamp(microsecondsSinceEpoch: dayStart + 3 * 86_400_000_000)
        var generator = EventGenerator(seed: seed, now: now)
        let decoder = EventDecoder()
        var streams: [[UInt8]] = []
        var encoder = CopyBinaryEncoder(reservingCapacity: 10_000 * 640)
        for _ in 0..<events {
            let json = generator.next()
            guard case .success(var event) = json.withUnsafeBufferPointer({ decoder.decode($0, range: 0..<$0.count, defaults: .init()) }) else { continue }
            let offset = event.timestamp.microsecondsSinceEpoch - dayStart
            event.timestamp = Timestamp(microsecondsSinceEpoch: dayStart + min(max(offset / 3, 0), 86_399_999_999))
            encoder.append(event)
            if encoder.rowCount == 10_000 {
                streams.append(CopyBinaryEncoder.stream([encoder]))
                encoder = CopyBinaryEncoder(reservingCapacity: 10_000 * 640)
            }
        }
        if encoder.rowCount > 0 { streams.append(CopyBinaryEncoder.stream([encoder])) }
        return streams
    }
}

extension Result where Failure == any Error {
    init(_ body: () throws -> Success) {
        do { self = .success(try body()) } catch { self = .failure(error) }
    }
}
