import Foundation
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

    public init(directory: URL, level: LZ4Level = .fast, archiveAfterDays: Int = 1, retentionDays: Int = 30,
                restoreBatchRows: Int = 20_000) {
        self.directory = directory
        self.level = level
        self.archiveAfterDays = archiveAfterDays
        self.retentionDays = retentionDays
        self.restoreBatchRows = restoreBatchRows
    }

    /// Reads the `SLUICE_ARCHIVE_*` and `SLUICE_RETENTION_DAYS` variables.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> ArchiveConfiguration {
        let directory = env["SLUICE_ARCHIVE_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? EmbeddedCluster.defaultDirectory().appendingPathComponent("archive")
        let levelText = env["SLUICE_ARCHIVE_LEVEL"] ?? "fast"
        guard let level = LZ4Level(levelText) else {
            throw ArchiveError.notFound("SLUICE_ARCHIVE_LEVEL=\(levelText) is not a level; use fast, hc or hc:3 … hc:12")
        }
        return ArchiveConfiguration(
            directory: directory, level: level,
            archiveAfterDays: max(1, env["SLUICE_ARCHIVE_AFTER_DAYS"].flatMap { Int($0) } ?? 1),
            retentionDays: max(1, env["SLUICE_RETENTION_DAYS"].flatMap { Int($0) } ?? 30))
    }
}
