import ArgumentParser
import SluiceArchive
import SluiceCore
import Logging
import SluiceIngest
import SluiceServer
import SluiceProjections
import SluiceStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Migrate the database and serve the HTTP API until SIGTERM or SIGINT.")

    @Option(help: "Address to listen on (SLUICE_HOST). Non-loopback addresses always require API keys.")
    var host: String = env("SLUICE_HOST", "127.0.0.1")

    @Option(help: "Port to listen on (SLUICE_PORT); 0 picks a free one.")
    var port: Int = env("SLUICE_PORT", 3200)

    func run() async throws {
        Sluice.bootstrapLogging()
        let logger = Logger(label: "sluice")
        let database = try Database.open(logger: logger)
        defer { database.close() }
        var configuration = ServerConfiguration(
            host: host, port: port,
            maxBodyBytes: env("SLUICE_MAX_BODY_BYTES", 5_000_000),
            maxEventsPerRequest: env("SLUICE_MAX_EVENTS", 10_000),
            maxEventBytes: env("SLUICE_MAX_EVENT_BYTES", 262_144),
            ingest: IngestConfiguration(
                maxBatchEvents: env("SLUICE_BATCH_EVENTS", 5_000),
                maxBatchBytes: env("SLUICE_BATCH_BYTES", 8 << 20),
                flushInterval: .milliseconds(env("SLUICE_FLUSH_MS", 5)),
                maxQueuedEvents: env("SLUICE_QUEUE_EVENTS", 100_000),
                writers: env("SLUICE_WRITERS", 2)),
            readConnections: env("SLUICE_READ_CONNECTIONS", 2),
            partitionMaintenanceInterval: .seconds(env("SLUICE_PARTITION_INTERVAL_S", 3600)),
            projectionInterval: .milliseconds(env("SLUICE_PROJECTION_INTERVAL_MS", 250)),
            sessionIdleTimeout: .seconds(env("SLUICE_SESSION_IDLE_TIMEOUT_S", 1800)),
            databaseMode: ModePreference(rawValue: env("SLUICE_MODE", "auto")) ?? .auto)
        configuration.otlpDefaultProjectId = env("SLUICE_OTLP_PROJECT_ID", 1)
        configuration.redactor = try Redactor.fromEnvironment()
        let rate: Int = env("SLUICE_RATE_EVENTS_PER_S", 0)
        if rate > 0 {
            configuration.rateLimit = RateLimit(eventsPerSecond: Double(rate), burst: Double(env("SLUICE_RATE_BURST", 2 * rate)))
        }
        let retentionSeconds: Int = env("SLUICE_RETENTION_INTERVAL_S", 0)
        if retentionSeconds > 0 {
            configuration.retention = (try ArchiveConfiguration.fromEnvironment(), .seconds(retentionSeconds))
        }
        try await SluiceApplication(databaseURL: database.url, configuration: configuration, logger: logger).run()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply migrations/ and the definitions of SQL/definitions.txt (and timescale/ in TimescaleDB mode).")

    func run() async throws {
        Sluice.bootstrapLogging()
        let logger = Logger(label: "sluice")
        let database = try Database.open(logger: logger)
        defer { database.close() }
        let migrator = try Migrator(preference: ModePreference(rawValue: env("SLUICE_MODE", "auto")) ?? .auto, logger: logger)
        let report = try await database.withConnection { conn throws(StoreError) in try migrator.migrate(conn) }
        print("mode: \(report.mode.rawValue)")
        print(report.applied.isEmpty ? "already up to date" : "applied: \(report.applied.joined(separator: ", "))")
    }
}

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print mode, versions, schema version, partitions or chunks, and how each projector part is doing.")

    func run() async throws {
        Sluice.bootstrapLogging()
        let logger = Logger(label: "sluice")
        let database = try Database.open(logger: logger)
        defer { database.close() }
        let migrator = try Migrator(logger: logger)
        let (report, parts) = try await database.withConnection { conn throws(StoreError) in
            let report = try migrator.doctor(conn)
            let migrated = try conn.execute("SELECT to_regclass('projector_dead_letters') IS NOT NULL").scalar() == "t"
            return (report, migrated ? try PartStatus.all(on: conn) : [])
        }
        print(report)
        for p in parts { print(p.doctorLine) }
    }
}
