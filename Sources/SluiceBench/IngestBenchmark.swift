import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
import SluiceCore
import SluiceProcess
import SluiceStore

/// `sluice bench ingest`: the same generated events loaded three ways into three fresh,
/// identically migrated databases, one after the other:
///
/// 1. HTTP end to end: a child `sluice serve`, `POST /v1/events` from concurrent keep-alive clients;
/// 2. the text baseline: `psql \copy ... WITH (FORMAT csv)`;
/// 3. Sluice's store path without HTTP: ``EventWriter`` binary COPY batches on one connection.
///
/// Every input is encoded before the clock starts. Between phases the last database is vacuumed
/// and the server checkpointed, so no phase pays for its predecessor's writes.
///
/// After the full-speed HTTP phase, the same server takes a second, smaller workload (a fifth of
/// N, another seed) at half the measured rate while a probe samples the projector's position:
/// the report gives the projection lag at that rate, and the catch-up after the full-speed burst.
public struct IngestBenchmark: TargetedBenchmark {
    /// The options of `sluice bench ingest`.
    public struct Options: ParsableArguments, Sendable {
        @Option(help: "Events to generate.")
        public var events = 1_000_000

        @Option(help: "Concurrent HTTP clients, each with one keep-alive connection.")
        public var concurrency = 4

        @Option(help: "Events per HTTP request (at most 10000, the server's default limit).")
        public var batch = 1000

        @Option(help: "Seed of the event generator.")
        public var seed: UInt64 = 1

        @Option(name: .customLong("steady"), help: "Events posted at half the measured rate while the projection lag is probed (default: a fifth of --events).")
        public var steadyEvents: Int?

        @Flag(help: "Keep the bench databases and the server's log afterwards (they are deleted otherwise).")
        public var keep = false

        public init() {}

        public func validate() throws {
            guard events > 0 else { throw ValidationError("--events must be positive") }
            guard steadyEvents.map({ $0 > 0 }) ?? true else { throw ValidationError("--steady must be positive") }
            guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
            guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 10000") }
        }
    }

    public var options: Options
    public var target: BenchTarget

    public init(options: Options, target: BenchTarget) {
        self.options = options
        self.target = target
    }

    static let httpDatabase = "sluice_bench_http"
    static let copyDatabase = "sluice_bench_copy"
    static let binaryDatabase = "sluice_bench_binary"
    static let unredactedDatabase = "sluice_bench_http_unredacted"

    /// Runs the three phases and returns their figures. Throws if a phase fails; a row count that
    /// does not match is reported (``BenchReport/verified``), not thrown.
    public func run() async throws -> BenchReport {
        let databases = BenchDatabases(adminURL: target.databaseURL, names: [Self.httpDatabase, Self.copyDatabase, Self.binaryDatabase, Self.unredactedDatabase])
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        var keepScratch = false
        defer { if !keepScratch { try? FileManager.default.removeItem(at: scratch) } }

        let options = self.options
        logger.info("generating events", metadata: ["events": "\(options.events)", "batch": "\(options.batch)", "seed": "\(options.seed)"])
        // Timestamps are relative to the current hour: the same seed gives the same events within it.
        let hour: Int64 = 3_600_000_000
        let now = Timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1e6) / hour * hour)
        let csvFile = scratch.appendingPathComponent("events.csv")
        let workload = try await blocking {
            try Workload.build(events: options.events, batch: options.batch, seed: options.seed, now: now, csvFile: csvFile)
        }
        let steadyFile = scratch.appendingPathComponent("steady.csv")
        let steady = try await blocking {
            try Workload.build(events: max(options.steadyEvents ?? options.events / 5, options.batch), batch: options.batch, seed: options.seed &+ 1,
                               now: now, csvFile: steadyFile)
        }
        try? FileManager.default.removeItem(at: steadyFile)
        logger.info("workload encoded", metadata: [
            "json_bytes": "\(workload.jsonBytes)", "csv_bytes": "\(workload.csvBytes)", "binary_bytes": "\(workload.binaryBytes)",
        ])

        logger.info("redaction cost: the route's decode and encode, rules off and on")
        let redaction = try await blocking { RedactionCost.measure(workload.bodies) }

        try await databases.recreate(logger: logger)
        do {
            var report = try await phases(workload, steady, databases, scratch: scratch)
            report.redaction = redaction
            if options.keep {
                // Keep the server log with the databases (set LOG_LEVEL=debug for every projector step).
                keepScratch = true
                try? FileManager.default.removeItem(at: csvFile)
                logger.info("server log kept", metadata: ["file": "\(scratch.appendingPathComponent("server.log").path)"])
            } else {
                try await databases.drop()
            }
            return report
        } catch {
            // Keep the server log and psql's output for the post-mortem, not the large CSV file.
            keepScratch = true
            try? FileManager.default.removeItem(at: csvFile)
            logger.error("benchmark failed; logs kept", metadata: ["directory": "\(scratch.path)"])
            if !options.keep { try? await databases.drop() }
            throw error
        }
    }

    private func phases(_ workload: Workload, _ steady: Workload, _ databases: BenchDatabases, scratch: URL) async throws -> BenchReport {
        let version = try await databases.serverVersion()

        try await databases.settle(after: nil, logger: logger)
        let http = try await runHTTP(workload, steady: steady, databaseURL: databases.url(Self.httpDatabase), logFile: scratch.appendingPathComponent("server.log"))
        let httpRows = try await databases.count(Self.httpDatabase)

        try await databases.settle(after: Self.httpDatabase, logger: logger)
        logger.info("psql \\copy (CSV)")
        let copy = try await PsqlCopy.run(
            csvFile: workload.csvFile, databaseURL: databases.url(Self.copyDatabase),
            outputFile: scratch.appendingPathComponent("psql.out"))
        let copyRows = try await databases.count(Self.copyDatabase)

        try await databases.settle(after: Self.copyDatabase, logger: logger)
        logger.info("binary COPY through EventWriter")
        let binarySeconds = try await runBinary(workload, databaseURL: databases.url(Self.binaryDatabase))
        let binaryRows = try await databases.count(Self.binaryDatabase)

        try await databases.settle(after: Self.binaryDatabase, logger: logger)
        logger.info("HTTP again with SLUICE_REDACT=off")
        let unredacted = try await runHTTPOnce(workload, databaseURL: databases.url(Self.unredactedDatabase),
                                               logFile: scratch.appendingPathComponent("server-unredacted.log"), environment: ["SLUICE_REDACT": "off"])
        let unredactedRows = try await databases.count(Self.unredactedDatabase)

        let sorted = http.load.latencies.sorted()
        return BenchReport(
            machine: MachineInfo.current(), database: target.databaseLabel, postgresVersion: version, options: options,
            eventBytes: workload.eventBytes, meanEventBytes: workload.meanEventBytes, requests: workload.bodies.count,
            http: .init(name: "HTTP POST /v1/events (JSON)", input: "JSON", bytes: workload.jsonBytes,
                        seconds: http.load.seconds, events: workload.events),
            psqlCopy: .init(name: "psql \\copy (text, CSV)", input: "CSV", bytes: workload.csvBytes,
                            seconds: copy.seconds, events: workload.events),
            binaryCopy: .init(name: "binary COPY (EventWriter, \(grouped(Workload.binaryBatch))/tx)", input: "binary",
                              bytes: workload.binaryBytes, seconds: binarySeconds, events: workload.events),
            latencyP50: percentile(sorted, 0.50), latencyP99: percentile(sorted, 0.99), retries: http.load.retries,
            serverPeakRSS: http.peakRSS, serverExit: http.exit.description, serverStopSeconds: http.stopSeconds,
            serverSettings: ServerProcess.settings(),
            rows: [(Self.httpDatabase, httpRows, workload.events + steady.events), (Self.copyDatabase, copyRows, workload.events),
                   (Self.binaryDatabase, binaryRows, workload.events), (Self.unredactedDatabase, unredactedRows, workload.events)],
            halfRate: http.halfRate, halfRateLags: http.lags, burstLags: http.burstLags, catchUpSeconds: http.catchUp,
            burstCPU: http.burstCPU,
            httpUnredacted: .init(name: "HTTP, SLUICE_REDACT=off", input: "JSON", bytes: workload.jsonBytes,
                                  seconds: unredacted, events: workload.events))
    }

    /// Starts `sluice serve`, posts every body at full speed, then `steady` at half that rate while
    /// probing the projection lag; samples its peak RSS, stops it.
    private func runHTTP(_ workload: Workload, steady: Workload, databaseURL: String, logFile: URL) async throws
        -> (load: HTTPLoad.Result, peakRSS: Int?, exit: ServerProcess.Exit, stopSeconds: Double, halfRate: Double, lags: [Double],
            burstLags: [Double], catchUp: Double?, burstCPU: [String: Double]?)
    {
        let client = BenchTarget.client(connections: options.concurrency)
        return try await target.withServer(databaseURL: databaseURL, logFile: logFile, client: client) { server in
            logger.info("HTTP: sluice serve is ready", metadata: ["pid": "\(server.child.pid)", "port": "\(server.port)"])
            let probe = ProjectionLagProbe(databaseURL: databaseURL)
            let probing = Task { await probe.run() }
            let cpuBefore = await probe.backendCPU()
            let burstStart = probe.now
            let load = try await HTTPLoad.run(
                bodies: workload.bodies, url: "\(server.baseURL)/v1/events", concurrency: options.concurrency, client: client)
            let burstEnd = probe.now
            let catchUp = await probe.caughtUp(after: burstEnd)
            // Everything of the burst is folded by now: what each role's backends spent on it.
            let cpuAfter = await probe.backendCPU()
            let burstCPU = cpuBefore.flatMap { before in cpuAfter.map { $0.since(before) } }
            let halfRate = Double(workload.events) / load.seconds / 2
            logger.info("HTTP: half rate with the projection probe", metadata: ["events_per_s": "\(Int(halfRate))"])
            let steadyStart = probe.now
            _ = try await HTTPLoad.run(
                bodies: steady.bodies, url: "\(server.baseURL)/v1/events", concurrency: options.concurrency, client: client,
                pace: .seconds(Double(options.batch) / halfRate))
            let steadyEnd = probe.now
            _ = await probe.caughtUp(after: steadyEnd)
            probe.stop()
            await probing.value
            let windows = try await probe.lags(in: [steadyStart...steadyEnd, burstStart...burstEnd])
            let peakRSS = server.peakRSS()
            logger.info("HTTP: all events acknowledged; stopping sluice serve")
            let stopping = ContinuousClock.now
            let exit = await server.stop()
            let stopSeconds = (ContinuousClock.now - stopping).seconds
            if !exit.isClean {
                logger.warning("sluice serve did not shut down cleanly", metadata: ["exit": "\(exit)", "log_tail": "\n\(server.logTail())"])
            }
            return (load, peakRSS, exit, stopSeconds, halfRate, windows[0], windows[1], catchUp, burstCPU)
        }
    }

    /// Starts `sluice serve` with `environment`, posts every body at full speed, stops it; returns the seconds.
    private func runHTTPOnce(_ workload: Workload, databaseURL: String, logFile: URL, environment: [String: String]) async throws -> Double {
        let client = BenchTarget.client(connections: options.concurrency)
        return try await target.withServer(databaseURL: databaseURL, logFile: logFile, environment: environment, client: client) { server in
            try await HTTPLoad.run(
                bodies: workload.bodies, url: "\(server.baseURL)/v1/events", concurrency: options.concurrency, client: client).seconds
        }
    }

    /// Writes every binary COPY stream with ``EventWriter`` on one connection, in order; returns the seconds.
    private func runBinary(_ workload: Workload, databaseURL: String) async throws -> Double {
        let worker = ConnectionWorker(url: databaseURL)
        do {
            _ = try await worker.run { conn throws(StoreError) in try conn.execute("SELECT 1") }  // connect before timing
            let start = ContinuousClock.now
            var inserted = 0
            for stream in workload.copyStreams {
                inserted += try await worker.run { conn throws(StoreError) in try EventWriter.write(stream, on: conn) }.inserted
            }
            let seconds = (ContinuousClock.now - start).seconds
            await worker.shutdown()
            if inserted != workload.events {
                logger.error("binary COPY inserted the wrong number of rows", metadata: ["inserted": "\(inserted)"])
            }
            return seconds
        } catch {
            await worker.shutdown()
            throw error
        }
    }
}

/// The nearest-rank percentile of ascending `values`.
func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let rank = Int((p * Double(values.count)).rounded(.up))
    return values[min(values.count, max(1, rank)) - 1]
}
