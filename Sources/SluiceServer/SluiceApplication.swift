import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import SluiceIngest
import SluiceProjections
import SluiceStore

/// The Sluice HTTP server: migrates the database, then serves ingest, hierarchy and health
/// routes until SIGTERM or SIGINT, when it stops accepting, commits what it accepted, and returns.
public struct SluiceApplication: Sendable {
    public var databaseURL: String
    public var configuration: ServerConfiguration
    public var logger: Logger

    public init(databaseURL: String, configuration: ServerConfiguration, logger: Logger = Logger(label: "sluice")) {
        self.databaseURL = databaseURL
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until a shutdown signal (or, with `signals` empty, until the task is cancelled).
    /// `onServerRunning` receives the bound port.
    public func run(
        signals: [UnixSignal] = [.sigterm, .sigint],
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        ProcessMetrics.bootstrap()
        let migrator = try Migrator(preference: configuration.databaseMode, logger: logger)
        let report = try await migrateWhenReachable(migrator)
        logger.info("database ready", metadata: ["mode": "\(report.mode.rawValue)", "applied": "\(report.applied.count)"])

        let writePool = ConnectionPool(url: databaseURL, size: configuration.ingest.writers, applicationName: "sluice ingest", logger: logger)
        let readPool = ConnectionPool(url: databaseURL, size: configuration.readConnections, applicationName: "sluice read", logger: logger)
        let replicaPool = configuration.readReplicaURL.map { [logger = self.logger] in
            ConnectionPool(url: $0, size: configuration.readConnections, applicationName: "sluice read", logger: logger)
        }
        let queries = ReadDatabase(primary: readPool, replica: replicaPool, logger: self.logger)
        let auth = Authenticator(pool: readPool, openWhenNoKeys: configuration.isLoopback)
        if await auth.isOpen() {
            logger.warning("no API keys exist and the listener is loopback-only: running OPEN (no authentication). Create a key with `sluice keys create` to require one.")
        } else if !configuration.isLoopback {
            logger.notice("API keys are required on this non-loopback listener")
        }
        let pipeline = IngestPipeline(pool: writePool, configuration: configuration.ingest, logger: logger)

        let router = Router(context: SluiceRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        let limiter = RateLimiter(defaultLimit: configuration.rateLimit)
        IngestRoutes(configuration: configuration, pipeline: pipeline, auth: auth, limiter: limiter).register(on: router)
        OTLPRoutes(configuration: configuration, pipeline: pipeline, auth: auth, limiter: limiter).register(on: router)
        HierarchyRoutes(pool: queries, auth: auth).register(on: router)
        QueryRoutes(pool: queries, auth: auth).register(on: router)
        StatusRoutes(pool: readPool, auth: auth, mode: report.mode, archive: configuration.retention?.archive,
                     backlog: { pipeline.backlog() }).register(on: router)
        ConsoleRoutes(auth: auth, assets: try ConsoleAssets.load()).register(on: router)
        MetricsRoutes(pool: readPool, pools: [("write", writePool), ("read", readPool)] + (replicaPool.map { [("replica", $0)] } ?? []),
                      auth: auth, mode: report.mode,
                      archive: configuration.retention?.archive).register(on: router)
        HealthRoutes(pool: readPool, expected: report.expected).register(on: router)

        let logger = self.logger
        var services: [any Service] = [
            PipelineService(pipeline: pipeline, pools: [writePool, readPool] + (replicaPool.map { [$0] } ?? []), logger: logger),
            PartitionMaintenance(pool: readPool, interval: configuration.partitionMaintenanceInterval, logger: logger),
        ]
        // Each part of the projector on its own connection: they fold concurrently.
        for part in Projector.Part.allCases {
            services.append(ProjectorService(
                part: part, worker: ConnectionWorker(url: databaseURL, applicationName: "sluice projector \(part.rawValue)", logger: logger),
                pacing: StepPacing(interval: configuration.projectionInterval),
                idleTimeout: configuration.sessionIdleTimeout, ingestBacklog: { pipeline.backlog() }, logger: logger))
        }
        if let retention = configuration.retention {
            services.append(RetentionService(url: databaseURL, configuration: retention.archive, interval: retention.interval, logger: logger))
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "sluice"),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
                await onServerRunning(port)
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: signals, logger: logger))
        try await group.run()
    }
}

extension SluiceApplication {
    /// Migrates, waiting for the database if it is not up yet (a server started before its
    /// database, as containers often are, keeps trying instead of exiting).
    func migrateWhenReachable(_ migrator: Migrator) async throws -> Migrator.Report {
        let admin = ConnectionWorker(url: databaseURL, logger: logger)
        defer { Task { await admin.shutdown() } }
        var delay = Duration.milliseconds(250)
        while true {
            let outcome: Result<Migrator.Report, StoreError>
            do {
                outcome = .success(try await admin.run { conn throws(StoreError) in try migrator.migrate(conn) })
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let report):
                return report
            case .failure(let error) where error.isTransient:
                logger.warning("waiting for the database", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            case .failure(let error):
                throw error
            }
        }
    }
}

/// Drains the ingest pipeline after the HTTP server has stopped (services stop in reverse order).
struct PipelineService: Service {
    let pipeline: IngestPipeline
    let pools: [ConnectionPool]
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        logger.info("shutting down: committing accepted events")
        await pipeline.shutdown()
        for pool in pools { await pool.shutdown() }
    }
}

/// Plain mode: keeps daily partitions ahead of the events (a no-op in TimescaleDB mode).
struct PartitionMaintenance: Service {
    let pool: ConnectionPool
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let created = try await pool.withConnection { conn throws(StoreError) in
                    try conn.execute("SELECT sluice_maintain_partitions()").value(Int.self)
                }
                if created != 0 { logger.info("partitions created", metadata: ["count": "\(created)"]) }
            } catch {
                logger.warning("partition maintenance failed; will retry", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
