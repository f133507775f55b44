import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SluiceCore
import SluiceStore
import Synchronization

/// `sluice bench ratelimit`: whether one API key flooding raises another key's latency. Key B
/// posts at a steady rate, first alone, then while key A floods from several clients as fast as
/// it is answered, ignoring `Retry-After`; the report gives B's ack latency in both phases and A's
/// answers. A's rate is its key's own (`keys create --rate`), B's is far above what it sends.
public struct RateLimitBenchmark: TargetedBenchmark {
    /// The options of `sluice bench ratelimit`.
    public struct Options: ParsableArguments, Sendable {
        @Option(help: "Seconds of each phase.")
        public var seconds = 10

        @Option(help: "B's requests per second.")
        public var rate = 20

        @Option(help: "Events per B request.")
        public var batch = 50

        @Option(help: "A's concurrent clients, each posting \(RateLimitBenchmark.floodBatch) events a request.")
        public var floodClients = 4

        @Option(help: "A's rate limit, events per second (its burst: twice that).")
        public var floodLimit = 1_000

        @Option(help: "Seed of the event generator.")
        public var seed: UInt64 = 1

        @Flag(help: "Keep the bench database afterwards.")
        public var keep = false

        public init() {}

        public func validate() throws {
            guard seconds > 0, rate > 0, floodClients > 0, floodLimit > 0 else {
                throw ValidationError("--seconds, --rate, --flood-clients and --flood-limit must be positive")
            }
            guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 10000") }
        }
    }

    public var options: Options
    public var target: BenchTarget

    public init(options: Options, target: BenchTarget) {
        self.options = options
        self.target = target
    }

    static let database = "sluice_bench_ratelimit"
    static let floodBatch = 100

    public func run() async throws -> RateLimitReport {
        let databases = BenchDatabases(adminURL: target.databaseURL, names: [Self.database])
        try await databases.recreate(logger: logger)
        let url = databases.url(Self.database)
        let options = self.options
        let (a, b) = try await withWorker(url) { conn throws(StoreError) in
            (try APIKeys.create(name: "flood", projectName: nil, admin: true, rateEventsPerSecond: Int32(options.floodLimit),
                                rateBurst: Int32(2 * options.floodLimit), on: conn).key,
             try APIKeys.create(name: "steady", projectName: nil, admin: true, rateEventsPerSecond: 100_000_000,
                                rateBurst: 100_000_000, on: conn).key)
        }
        let hour: Int64 = 3_600_000_000
        let now = Timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1e6) / hour * hour)
        let requests = options.seconds * options.rate
        let (alone, flooded, flood) = try await blocking {
            (Self.bodies(requests, of: options.batch, seed: options.seed, now: now),
             Self.bodies(requests, of: options.batch, seed: options.seed &+ 1, now: now),
             // Enough for what A is admitted: its burst and its rate over the phase, twice over.
             Self.bodies(4 * options.floodLimit * (options.seconds + 2) / Self.floodBatch + 1, of: Self.floodBatch, seed: options.seed &+ 2, now: now))
        }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-ratelimit-\(getpid()).log")
        let steadyClient = BenchTarget.client(connections: 1), floodClient = BenchTarget.client(connections: options.floodClients)
        let pace = Duration.seconds(1) / options.rate
        let report = try await target.withServer(databaseURL: url, logFile: log, client: steadyClient) { server in
            let events = "\(server.baseURL)/v1/events"
            logger.info("B alone", metadata: ["requests": "\(requests)", "events_per_request": "\(options.batch)"])
            let unloaded = try await HTTPLoad.run(bodies: alone, url: events, concurrency: 1, client: steadyClient, pace: pace,
                                                  headers: [("Authorization", "Bearer \(b)")])
            logger.info("B while A floods", metadata: ["flood_clients": "\(options.floodClients)"])
            let stop = StopFlag()
            let flooding = Task {
                try await Self.flood(flood, url: events, key: a, clients: options.floodClients, client: floodClient, until: stop)
            }
            let loaded: HTTPLoad.Result
            do {
                loaded = try await HTTPLoad.run(bodies: flooded, url: events, concurrency: 1, client: steadyClient, pace: pace,
                                                headers: [("Authorization", "Bearer \(b)")])
            } catch {
                stop.set()
                _ = try? await flooding.value
                try? await floodClient.shutdown()
                throw error
            }
            stop.set()
            let answers = try await flooding.value
            try? await floodClient.shutdown()
            return RateLimitReport(
                machine: MachineInfo.current(), database: target.databaseLabel, postgresVersion: try await databases.serverVersion(),
                options: options, unloaded: unloaded.latencies.sorted(), flooded: loaded.latencies.sorted(),
                steadyRefused: unloaded.retries + loaded.retries, floodAdmitted: answers.admitted, floodRefused: answers.refused,
                floodSeconds: loaded.seconds)
        }
        try? FileManager.default.removeItem(at: log)
        if !options.keep { try await databases.drop() }
        return report
    }

    /// `count` request bodies of `batch` generated events each.
    static func bodies(_ count: Int, of batch: Int, seed: UInt64, now: Timestamp) -> [ByteBuffer] {
        var generator = EventGenerator(seed: seed, now: now)
        return (0..<count).map { _ in
            var body: [UInt8] = [UInt8(ascii: "[")]
            for i in 0..<batch {
                if i > 0 { body.append(UInt8(ascii: ",")) }
                body += generator.next()
            }
            body.append(UInt8(ascii: "]"))
            return ByteBuffer(bytes: body)
        }
    }

    /// Posts `bodies` round-robin from `clients` concurrent clients with `key`, each sending its
    /// next request as soon as the last is answered, 429 or not, until `stop` is set.
    static func flood(
        _ bodies: [ByteBuffer], url: String, key: String, clients: Int, client: HTTPClient, until stop: StopFlag
    ) async throws -> (admitted: Int, refused: Int) {
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for c in 0..<clients {
                group.addTask {
                    var admitted = 0, refused = 0, next = c
                    while !stop.isSet {
                        let request = HTTPLoad.request(bodies[next % bodies.count], url: url, headers: [("Authorization", "Bearer \(key)")])
                        let response = try await client.execute(request, timeout: .seconds(60))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        switch response.status.code {
                        case 200: admitted += 1; next += clients
                        case 429: refused += 1
                        default: throw BenchError("the flood's POST answered \(response.status.code)")
                        }
                    }
                    return (admitted, refused)
                }
            }
            return try await group.reduce(into: (0, 0)) { $0.0 += $1.0; $0.1 += $1.1 }
        }
    }
}

/// Set once, read by other tasks.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
