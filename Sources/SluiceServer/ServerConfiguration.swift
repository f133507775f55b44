import SluiceArchive
import SluiceCore
import SluiceIngest
import SluiceStore

/// Everything `sluice serve` can be told (see the README's configuration table).
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests); the bound port is reported to `onServerRunning`.
    public var port: Int
    /// Request bodies above this size (after gzip decoding) are refused with 413.
    public var maxBodyBytes: Int
    /// Requests with more events than this are refused with 413.
    public var maxEventsPerRequest: Int
    /// Single events above this size are rejected on their own.
    public var maxEventBytes: Int
    public var ingest: IngestConfiguration
    /// Database connections for reads, keys and hierarchy upserts (writers have their own).
    public var readConnections: Int
    /// How often plain-mode partitions are maintained (created ahead, carved out of the default).
    public var partitionMaintenanceInterval: Duration
    /// How often the projector folds new events into the projections.
    public var projectionInterval: Duration
    /// A session with no `session_end` counts as ended after this long without events.
    public var sessionIdleTimeout: Duration
    /// The mode for a database migrated for the first time (`SLUICE_MODE`).
    public var databaseMode: ModePreference
    /// When set, `serve` archives and applies retention at this interval (`SLUICE_RETENTION_INTERVAL_S`; off by default).
    public var retention: (archive: ArchiveConfiguration, interval: Duration)?
    /// The project of OTLP records when neither the API key nor a `sluice.project.id`
    /// attribute names one (`SLUICE_OTLP_PROJECT_ID`).
    public var otlpDefaultProjectId: Int32 = 1
    /// Replaces secrets in events before they are stored (`SLUICE_REDACT`, `SLUICE_REDACT_RULES`);
    /// on by default with the built-in rules.
    public var redactor = Redactor()
    /// Each client's ingest rate (per API key, or per address when open); nil: unlimited.
    public var rateLimit: RateLimit?
    /// A hot standby of the database for the query API's reads (`SLUICE_READ_DATABASE_URL`);
    /// nil: reads go to the primary like everything else.
    public var readReplicaURL: String?

    public init(
        host: String = "127.0.0.1", port: Int = 3200, maxBodyBytes: Int = 5_000_000,
        maxEventsPerRequest: Int = 10_000, maxEventBytes: Int = 262_144, ingest: IngestConfiguration = .init(),
        readConnections: Int = 2, partitionMaintenanceInterval: Duration = .seconds(3600),
        projectionInterval: Duration = .milliseconds(250), sessionIdleTimeout: Duration = .seconds(1800),
        databaseMode: ModePreference = .auto
    ) {
        self.projectionInterval = projectionInterval
        self.sessionIdleTimeout = sessionIdleTimeout
        self.databaseMode = databaseMode
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxEventsPerRequest = maxEventsPerRequest
        self.maxEventBytes = maxEventBytes
        self.ingest = ingest
        self.readConnections = readConnections
        self.partitionMaintenanceInterval = partitionMaintenanceInterval
    }

    /// Whether the listener is reachable only from this machine.
    public var isLoopback: Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }
}
