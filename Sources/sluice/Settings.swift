import Logging
import SluiceArchive
import SluiceCore
import SluiceIngest
import SluiceServer
import SluiceStore

/// The environment variables of the `sluice` commands, each read and checked here (see the
/// README's configuration table). A bad value stops the command before it does anything.
enum Settings {
    /// `LOG_LEVEL`: trace … critical, default info.
    static func logLevel(_ env: Configuration = .current) throws(ConfigurationError) -> Logger.Level {
        try env.choice("LOG_LEVEL", default: .info)
    }

    /// `DATABASE_URL`, nil for the embedded cluster.
    static func databaseURL(_ env: Configuration = .current) -> String? {
        env.string("DATABASE_URL")
    }

    /// `SLUICE_MODE`: the mode for a database migrated for the first time.
    static func mode(_ env: Configuration = .current) throws(ConfigurationError) -> ModePreference {
        try env.choice("SLUICE_MODE", default: .auto, of: [.auto, .plain, .timescale])
    }

    /// `SLUICE_SESSION_IDLE_TIMEOUT_S`: a session without events this long has ended.
    static func sessionIdleTimeout(_ env: Configuration = .current) throws(ConfigurationError) -> Duration {
        .seconds(try env.integer("SLUICE_SESSION_IDLE_TIMEOUT_S", default: 1800, in: 1...31_536_000))
    }

    /// Everything `sluice serve` reads; `host` and `port` are its options, which win over
    /// `SLUICE_HOST` and `SLUICE_PORT`.
    static func server(host: String?, port: Int?, _ env: Configuration = .current) throws(ConfigurationError) -> ServerConfiguration {
        let megabyte = 1 << 20
        let port = if let port { port } else { try env.integer("SLUICE_PORT", default: 3200, in: 0...65_535) }
        var configuration = ServerConfiguration(
            host: host ?? env.string("SLUICE_HOST", default: "127.0.0.1"), port: port,
            maxBodyBytes: try env.integer("SLUICE_MAX_BODY_BYTES", default: 5_000_000, in: 1...(1024 * megabyte)),
            maxEventsPerRequest: try env.integer("SLUICE_MAX_EVENTS", default: 10_000, in: 1...1_000_000),
            maxEventBytes: try env.integer("SLUICE_MAX_EVENT_BYTES", default: 262_144, in: 1...(64 * megabyte)),
            ingest: IngestConfiguration(
                maxBatchEvents: try env.integer("SLUICE_BATCH_EVENTS", default: 5_000, in: 1...1_000_000),
                maxBatchBytes: try env.integer("SLUICE_BATCH_BYTES", default: 8 * megabyte, in: 1...(1024 * megabyte)),
                flushInterval: .milliseconds(try env.integer("SLUICE_FLUSH_MS", default: 5, in: 0...60_000)),
                maxQueuedEvents: try env.integer("SLUICE_QUEUE_EVENTS", default: 100_000, in: 1...100_000_000),
                writers: try env.integer("SLUICE_WRITERS", default: 2, in: 1...64)),
            readConnections: try env.integer("SLUICE_READ_CONNECTIONS", default: 2, in: 1...64),
            partitionMaintenanceInterval: .seconds(try env.integer("SLUICE_PARTITION_INTERVAL_S", default: 3600, in: 1...86_400)),
            projectionInterval: .milliseconds(try env.integer("SLUICE_PROJECTION_INTERVAL_MS", default: 250, in: 1...3_600_000)),
            sessionIdleTimeout: try sessionIdleTimeout(env),
            databaseMode: try mode(env))
        configuration.otlpDefaultProjectId = try env.integer("SLUICE_OTLP_PROJECT_ID", default: 1, in: 1...Int32.max)
        configuration.redactor = try Redactor.fromEnvironment(env)
        configuration.readReplicaURL = env.string("SLUICE_READ_DATABASE_URL")
        let rate = try env.integer("SLUICE_RATE_EVENTS_PER_S", default: 0, in: 0...100_000_000)
        if rate > 0 {
            let burst = try env.integer("SLUICE_RATE_BURST", default: 2 * rate, in: 1...1_000_000_000)
            configuration.rateLimit = RateLimit(eventsPerSecond: Double(rate), burst: Double(burst))
        }
        let retentionSeconds = try env.integer("SLUICE_RETENTION_INTERVAL_S", default: 0, in: 0...31_536_000)
        if retentionSeconds > 0 {
            configuration.retention = (try ArchiveConfiguration.fromEnvironment(env), .seconds(retentionSeconds))
        }
        return configuration
    }
}
