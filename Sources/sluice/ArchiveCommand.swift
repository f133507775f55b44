import ArgumentParser
import Foundation
import Logging
import SluiceArchive
import SluiceStore

/// Options shared by the archive and retention commands.
struct ArchiveOptions: ParsableArguments {
    @Option(help: "The archive directory (default: SLUICE_ARCHIVE_URL's bucket, else SLUICE_ARCHIVE_DIR, else $SLUICE_DATA_DIR/archive).")
    var dir: String?

    @Option(help: "Compression: fast (default; SLUICE_ARCHIVE_LEVEL), hc (LZ4-HC level 9) or hc:3 … hc:12.")
    var level: String?

    func configuration() throws -> ArchiveConfiguration {
        var c = try ArchiveConfiguration.fromEnvironment()
        if let dir { c.directory = URL(fileURLWithPath: dir); c.objectStore = nil }
        if let level {
            guard let l = LZ4Level(level) else { throw ValidationError("--level \(level): use fast, hc or hc:3 … hc:12") }
            c.level = l
        }
        return c
    }

    /// Opens the database, applies migrations, and runs `body` on one connection.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, ArchiveConfiguration, Logger) throws -> T) async throws -> T {
        try Sluice.bootstrapLogging()
        let logger = Logger(label: "sluice")
        let configuration = try configuration()
        let database = try Database.open(logger: logger)
        defer { database.close() }
        let migrator = try Migrator()
        return try await database.withConnectionThrowing { conn in
            _ = try migrator.migrate(conn)
            return try body(conn, configuration, logger)
        }
    }
}

struct Archive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The cold archive: closed days of raw events as LZ4 files with manifests.",
        subcommands: [Run.self, Verify.self, List.self, Restore.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive every day older than SLUICE_ARCHIVE_AFTER_DAYS that has rows not archived yet.")

        @OptionGroup var options: ArchiveOptions

        func run() async throws {
            let written = try await options.run { conn, configuration, logger in
                try Archiver(configuration: configuration, logger: logger).run(on: conn)
            }
            for w in written {
                let m = w.manifest
                print("\(m.segment) part \(m.part): \(m.rows) rows, \(m.payloadBytes) → \(m.fileBytes) bytes (\(String(format: "%.2f", m.ratio))×)")
            }
            print(written.isEmpty ? "nothing to archive" : "archived \(written.count) part(s)")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-read archived parts and check them against their manifests and the database.")

        @Argument(help: "A day (YYYY-MM-DD); all parts when omitted.")
        var day: String?

        @OptionGroup var options: ArchiveOptions

        func run() async throws {
            let day = self.day
            let results = try await options.run { conn, configuration, logger in
                try ArchiveVerifier(configuration: configuration, logger: logger).verify(day: day, on: conn)
            }
            for r in results {
                print("\(r.day) part \(r.part): \(r.rows) rows, " + (r.failure.map { "FAILED: \($0)" } ?? "ok (rows checked against the \(r.checkedAgainst))"))
            }
            let failed = results.filter { $0.failure != nil }.count
            if failed > 0 { throw ExitCode(1) }
            print(results.isEmpty ? "no archived parts" : "\(results.count) part(s) verified")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List archived parts: range, rows, sizes, ratio, state.")

        @OptionGroup var options: ArchiveOptions

        func run() async throws {
            let parts = try await options.run { conn, _, _ in try ArchiveCatalog.parts(on: conn) }
            print("day         part       rows  min event time               max event time                payload MB  file MB  ratio  state")
            for p in parts {
                let m = p.manifest
                let state = p.droppedAt != nil ? "dropped" : (p.verifiedAt != nil ? "verified" : "UNVERIFIED")
                print(String(format: "%@  %4d  %9d  %-27@  %-27@  %10.1f  %7.1f  %5.2f  %@",
                             m.segment, m.part, m.rows, m.minEventTime ?? "-", m.maxEventTime ?? "-",
                             Double(m.payloadBytes) / 1e6, Double(m.fileBytes) / 1e6, m.ratio, state))
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load archived days back into agent_events (idempotent), from the archive directory alone.",
            discussion: "Then `sluice projections rebuild` refolds the projections over them if you need it.")

        @Argument(help: "A day (YYYY-MM-DD) or a range of days FROM..TO (inclusive).")
        var days: String

        @OptionGroup var options: ArchiveOptions

        func run() async throws {
            let bounds = days.components(separatedBy: "..")
            guard (1...2).contains(bounds.count), bounds.allSatisfy({ $0.count == 10 }) else {
                throw ValidationError("give a day YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD")
            }
            let (from, to) = (bounds[0], bounds[bounds.count - 1])
            let results = try await options.run { conn, configuration, logger in
                try ArchiveRestorer(configuration: configuration, logger: logger).restore(fromDay: from, toDay: to, on: conn)
            }
            for r in results {
                print("\(r.day) part \(r.part): \(r.rows) rows, \(r.inserted) restored (\(r.rows - r.inserted) already present)")
            }
        }
    }
}

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Drop raw events older than SLUICE_RETENTION_DAYS, only where archived and verified.",
        subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive what is missing, verify, then drop each old day; log every decision in sluice_retention_log.")

        @Flag(help: "Only list what would be dropped.")
        var dryRun = false

        @OptionGroup var options: ArchiveOptions

        func run() async throws {
            let dryRun = self.dryRun
            let decisions = try await options.run { conn, configuration, logger in
                try Retention(configuration: configuration, logger: logger).run(dryRun: dryRun, on: conn)
            }
            for d in decisions {
                print("\(d.day): \(d.action.rawValue.replacingOccurrences(of: "_", with: " ")), \(d.rows) rows" + (d.reason.map { " (\($0))" } ?? ""))
            }
            if decisions.isEmpty { print("no day is older than the retention horizon") }
        }
    }
}
