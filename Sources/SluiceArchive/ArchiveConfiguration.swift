import Foundation
import SluiceCore
import SluiceStore

/// Where the archive lives and when segments are archived and dropped.
public struct ArchiveConfiguration: Sendable {
    /// The archive directory (`SLUICE_ARCHIVE_DIR`; default `$SLUICE_DATA_DIR/archive`).
    public var directory: URL
    /// Compression level (`SLUICE_ARCHIVE_LEVEL`: `fast`, `hc` or `hc:N`; default `fast`).
    public var level: LZ4Level
    /// A day is archived once it ended this many days ago (`SLUICE_ARCHIVE_AFTER_DAYS`, default 1).
    public var archiveAfterDays: Int
    /// A day's raw rows are dropped once it ended this many days ago (`SLUICE_RETENTION_DAYS`, default 30).
    public var retentionDays: Int
    /// Rows per COPY transaction when restoring.
    public var restoreBatchRows: Int

    /// The object store (`SLUICE_ARCHIVE_URL=s3://bucket/prefix`); when set, it is used instead of `directory`.
    public var objectStore: S3Location?

    /// Where parts and manifests are kept: the object store if one is set, else the directory.
    public var store: any ArchiveStore {
        objectStore.map { S3ArchiveStore($0) } ?? ArchiveDirectory(root: directory)
    }

    public init(directory: URL, objectStore: S3Location? = nil, level: LZ4Level = .fast, archiveAfterDays: Int = 1,
                retentionDays: Int = 30, restoreBatchRows: Int = 20_000) {
        self.directory = directory
        self.objectStore = objectStore
        self.level = level
        self.archiveAfterDays = archiveAfterDays
        self.retentionDays = retentionDays
        self.restoreBatchRows = restoreBatchRows
    }

    /// Reads the `SLUICE_ARCHIVE_*` and `SLUICE_RETENTION_DAYS` variables (and, with
    /// `SLUICE_ARCHIVE_URL`, the `AWS_*` ones: ``S3Location/fromEnvironment(_:)``).
    public static func fromEnvironment(_ env: Configuration = .current) throws(ConfigurationError) -> ArchiveConfiguration {
        ArchiveConfiguration(
            directory: env.path("SLUICE_ARCHIVE_DIR") ?? EmbeddedCluster.defaultDirectory(env).appendingPathComponent("archive"),
            objectStore: try S3Location.fromEnvironment(env),
            level: try env.value("SLUICE_ARCHIVE_LEVEL", default: .fast, expected: "fast, hc or hc:3 … hc:12", parse: LZ4Level.init),
            archiveAfterDays: try env.integer("SLUICE_ARCHIVE_AFTER_DAYS", default: 1, in: 1...36_500),
            retentionDays: try env.integer("SLUICE_RETENTION_DAYS", default: 30, in: 1...36_500))
    }
}
