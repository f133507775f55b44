import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SluiceCore
import SluiceStore

/// `sluice bench queries`: read latency over a large log. Generates N events over D days into a
/// fresh database (binary COPY through ``EventWriter``), starts `sluice serve` on it and lets its
/// projector fold them, then times every read API request over HTTP and every dashboard panel
/// query over SQL, each next to the raw `GROUP BY` over `agent_events` that answers the same
/// question, measured in the same run.
public struct QueryBenchmark: TargetedBenchmark {
    /// The options of `sluice bench queries`.
    public struct Options: ParsableArguments, Sendable {
        @Option(help: "Events to generate.")
        public var events = 10_000_000

        @Option(help: "Days the events span, ending now.")
        public var days = 30

        @Option(help: "Timed runs per query (after a warm-up run).")
        public var runs = 50

        @Option(help: "Timed runs per raw GROUP BY (its median is reported).")
        public var rawRuns = 1

        @Option(help: "Seed of the event generator.")
        public var seed: UInt64 = 1

        @Option(help: "The Grafana dashboard whose panels are measured.")
        public var dashboard = "dashboards/sluice-overview.json"

        @Flag(help: "Measure the database an earlier run loaded, without loading it again.")
        public var reuse = false

        @Option(help: "Measure only the entries whose names start with this (e.g. `console`, `GET`, `panel`).")
        public var only: String?

        public init() {}

        public func validate() throws {
            guard events > 0 else { throw ValidationError("--events must be positive") }
            guard days > 0 else { throw ValidationError("--days must be positive") }
            guard runs > 0, rawRuns > 0 else { throw ValidationError("--runs and --raw-runs must be positive") }
        }
    }

    public var options: Options
    public var target: BenchTarget

    public init(options: Options, target: BenchTarget) {
        self.options = options
        self.target = target
    }

    static let database = "sluice_bench_queries"

    public func run() async throws -> QueryReport {
        let panels = try DashboardPanels.load(options.dashboard)
        let databases = BenchDatabases(adminURL: target.databaseURL, names: [Self.database])
        let url = databases.url(Self.database)
        var load: QueryReport.Load?
        if options.reuse {
            let migrator = try Migrator(preference: .plain, logger: logger)
            _ = try await withWorker(url) { conn throws(StoreError) in try migrator.migrate(conn) }
        } else {
            try await databases.recreate(logger: logger)
            load = try await self.load(url)
        }
        let version = try await databases.serverVersion()
        let stored = try await databases.count(Self.database)

        let client = BenchTarget.client()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-queries-\(getpid()).log")
        let worker = ConnectionWorker(url: url)
        do {
            let results = try await target.withServer(databaseURL: url, logFile: log, client: client) { server in
                logger.info("sluice serve is ready; its projector folds the events", metadata: ["port": "\(server.port)"])
                let fold = try await caughtUp(worker)
                logger.info("VACUUM ANALYZE")
                _ = try await worker.run { conn throws(StoreError) in try conn.execute("VACUUM (ANALYZE)") }
                let catalog = QueryCatalog(try await subjects(worker), panels: panels)
                return (fold, try await measure(catalog, server: server, client: client, worker: worker))
            }
            await worker.shutdown()
            try? FileManager.default.removeItem(at: log)
            return QueryReport(machine: MachineInfo.current(), database: target.databaseLabel, postgresVersion: version, options: options,
                               stored: stored, load: load, foldSeconds: results.0, results: results.1)
        } catch {
            logger.error("benchmark failed; server log kept", metadata: ["log": "\(log.path)"])
            await worker.shutdown()
            throw error
        }
    }

    /// Generates and stores the events, a chunk being generated while the previous one is copied.
    private func load(_ url: String) async throws -> QueryReport.Load {
        let hour: Int64 = 3_600_000_000
        let now = Timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1e6) / hour * hour)
        let total = options.events, chunk = 20_000
        let generator = EventGenerator(seed: options.seed, now: now, hours: Int64(options.days) * 24)
        let worker = ConnectionWorker(url: url)
        let start = ContinuousClock.now
        var done = 0
        var next = Task { try await Self.generate(generator, count: min(chunk, total)) }
        do {
            while done < total {
                let (g, stream, count) = try await next.value
                done += count
                let remaining = total - done
                if remaining > 0 { next = Task { try await Self.generate(g, count: min(chunk, remaining)) } }
                _ = try await worker.run { conn throws(StoreError) in try EventWriter.write(stream, on: conn) }
                if done % 1_000_000 < chunk { logger.info("loaded", metadata: ["events": "\(done)"]) }
            }
        } catch {
            await worker.shutdown()
            throw error
        }
        await worker.shutdown()
        return .init(seconds: (ContinuousClock.now - start).seconds, events: done)
    }

    /// `count` more events of `generator`, as one binary COPY stream; and the generator after them.
    private static func generate(_ generator: EventGenerator, count: Int) async throws -> (EventGenerator, [UInt8], Int) {
        try await blocking {
            var g = generator
            let decoder = EventDecoder()
            var encoder = CopyBinaryEncoder(reservingCapacity: count * 640)
            for _ in 0..<count {
                let json = g.next()
                let outcome = json.withUnsafeBufferPointer { decoder.decode($0, range: 0..<$0.count, defaults: .init()) }
                guard case .success(let event) = outcome else { throw BenchError("the generator made an event Sluice refuses") }
                encoder.append(event)
            }
            return (g, CopyBinaryEncoder.stream([encoder]), count)
        }
    }

    /// Waits until the server's projector has folded every stored event; returns the seconds it took.
    private func caughtUp(_ worker: ConnectionWorker) async throws -> Double {
        let start = ContinuousClock.now
        var reported = ContinuousClock.now
        while true {
            // An index probe, cheap enough to ask every second while the projector works.
            let done = try await worker.run { conn throws(StoreError) in
                try conn.execute("""
                    SELECT NOT EXISTS (SELECT 1 FROM agent_events WHERE ingest_xid >= sluice_projected_horizon())
                    """).value(Bool.self)
            }
            if done { break }
            if ContinuousClock.now - reported > .seconds(60) {
                let folded = try await worker.run { conn throws(StoreError) in
                    try conn.execute("SELECT sum((metrics->>'events')::bigint) FROM agent_sessions").scalar(Int.self)
                }
                logger.info("projecting", metadata: ["events_in_sessions": "\(folded ?? 0)"])
                reported = ContinuousClock.now
            }
            try await Task.sleep(for: .seconds(1))
        }
        return (ContinuousClock.now - start).seconds
    }

    /// A busy session, an agent, a project and a word of the chat to ask about.
    private func subjects(_ worker: ConnectionWorker) async throws -> QueryCatalog.Subjects {
        let row = try await worker.run { conn throws(StoreError) in
            try conn.execute("""
                SELECT (SELECT id::text FROM agent_sessions ORDER BY (metrics->>'events')::int DESC, id LIMIT 1),
                       (SELECT agent_id FROM agent_sessions GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1),
                       (SELECT project_id::text FROM agent_sessions GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1),
                       (SELECT extract(epoch FROM max(bucket) + interval '1 hour')::bigint::text FROM agent_events_hourly)
                """).requireRow()
        }
        guard let session = try row.decodeIfPresent(String.self, at: 0), let agent = try row.decodeIfPresent(String.self, at: 1),
              let project = try row.decodeIfPresent(Int.self, at: 2), let end = try row.decodeIfPresent(Double.self, at: 3) else {
            throw BenchError("the projections hold no sessions: nothing to query")
        }
        // Ranges end at the end of the data's last hour.
        let now = Date(timeIntervalSince1970: end)
        return .init(now: now, sessionId: session, agent: agent, project: project, word: "refactor")
    }

    private func measure(_ catalog: QueryCatalog, server: ServerProcess, client: HTTPClient, worker: ConnectionWorker) async throws
        -> [QueryReport.Result]
    {
        var results: [QueryReport.Result] = []
        var rawTimes: [String: Double] = [:]
        for entry in catalog.entries where options.only.map({ entry.name.hasPrefix($0) }) ?? true {
            var times: [Double] = []
            for run in 0...options.runs {
                let ms = try await time(entry.kind, server: server, client: client, worker: worker)
                if run > 0 { times.append(ms) }
            }
            var raw: Double?
            if let sql = entry.raw {
                if let known = rawTimes[sql] {
                    raw = known
                } else {
                    var rawRuns: [Double] = []
                    for _ in 0..<max(1, options.rawRuns) { rawRuns.append(try await time(.sql(sql), server: server, client: client, worker: worker)) }
                    raw = percentile(rawRuns.sorted(), 0.5)
                    rawTimes[sql] = raw
                }
            }
            let sorted = times.sorted()
            let result = QueryReport.Result(name: entry.name, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), raw: raw)
            logger.info("measured", metadata: [
                "query": "\(entry.name)", "p50_ms": "\(String(format: "%.2f", result.p50))", "raw_ms": "\(raw.map { String(format: "%.0f", $0) } ?? "-")",
            ])
            results.append(result)
        }
        return results
    }

    /// One run of a query, in milliseconds: an HTTP GET until its body is read, or the SQL on the connection.
    private func time(_ kind: QueryCatalog.Entry.Kind, server: ServerProcess, client: HTTPClient, worker: ConnectionWorker) async throws -> Double {
        switch kind {
        case .http(let path):
            let start = ContinuousClock.now
            let response = try await client.execute(HTTPClientRequest(url: server.baseURL + path), timeout: .seconds(600))
            let body = try await response.body.collect(upTo: 256 << 20)
            let ms = (ContinuousClock.now - start).seconds * 1000
            guard response.status.code == 200 else {
                throw BenchError("GET \(path) answered \(response.status.code): \(String(buffer: body).prefix(500))")
            }
            return ms
        case .firstByte(let path):
            let start = ContinuousClock.now
            let response = try await client.execute(HTTPClientRequest(url: server.baseURL + path), timeout: .seconds(600))
            let ms = (ContinuousClock.now - start).seconds * 1000
            let body = try await response.body.collect(upTo: 16 << 20)
            guard response.status.code == 200 else {
                throw BenchError("GET \(path) answered \(response.status.code): \(String(buffer: body).prefix(500))")
            }
            return ms
        case .page(let page):
            let start = ContinuousClock.now
            _ = try await time(.http(page.path), server: server, client: client, worker: worker)
            for phase in [page.assets, page.data] {
                try await withThrowingTaskGroup(of: Double.self) { group in
                    for path in phase { group.addTask { try await time(.http(path), server: server, client: client, worker: worker) } }
                    try await group.waitForAll()
                }
            }
            return (ContinuousClock.now - start).seconds * 1000
        case .sql(let sql):
            return try await worker.run { conn throws(StoreError) in
                let start = ContinuousClock.now
                _ = try conn.execute(sql)
                return (ContinuousClock.now - start).seconds * 1000
            }
        }
    }
}
