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

    @Option(help: "Address to listen on (default: SLUICE_HOST, else 127.0.0.1). Non-loopback addresses always require API keys.")
    var host: String?

    @Option(help: "Port to listen on (default: SLUICE_PORT, else 3200); 0 picks a free one.")
    var port: Int?

    func run() async throws {
        // Every setting is checked before anything starts.
        let configuration = try Settings.server(host: host, port: port)
        try await Database.using { database, logger in
            try await SluiceApplication(databaseURL: database.url, configuration: configuration, logger: logger).run()
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply migrations/ and the definitions of SQL/definitions.txt (and timescale/ in TimescaleDB mode).")

    func run() async throws {
        try await Database.using { database, logger in
            let migrator = try Migrator(preference: try Settings.mode(), logger: logger)
            let report = try await database.withConnection { conn throws(StoreError) in try migrator.migrate(conn) }
            print("mode: \(report.mode.rawValue)")
            if report.applied.isEmpty && report.definitions.isEmpty { print("already up to date") }
            if !report.applied.isEmpty { print("applied: \(report.applied.joined(separator: ", "))") }
            if !report.definitions.isEmpty { print("definitions applied: \(report.definitions.joined(separator: ", "))") }
        }
    }
}

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print mode, versions, schema version, partitions or chunks, and how each projector part is doing.")

    func run() async throws {
        try await Database.using { database, logger in
            let migrator = try Migrator(logger: logger)
            let (report, parts) = try await database.withConnection { conn throws(StoreError) in
                let report = try migrator.doctor(conn)
                let migrated = try conn.execute("SELECT to_regclass('projector_dead_letters') IS NOT NULL").value(Bool.self)
                return (report, migrated ? try PartStatus.all(on: conn) : [])
            }
            print(report)
            for p in parts { print(p.doctorLine) }
        }
    }
}
