import ArgumentParser
import Foundation
import Logging
import SluiceCore

@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "An event-sourced observability pipeline for AI coding agents.",
        discussion: """
            With DATABASE_URL unset, commands use a private PostgreSQL cluster that sluice starts
            itself (see SLUICE_DATA_DIR). Configuration is read from the environment; see README.
            """,
        subcommands: [Serve.self, Migrate.self, Doctor.self, Keys.self, Projections.self, Import.self, Archive.self, RetentionCommand.self, Bench.self],
        defaultSubcommand: Serve.self
    )

    /// Logs to standard error at `LOG_LEVEL`.
    static func bootstrapLogging() throws(ConfigurationError) {
        let level = try Settings.logLevel()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
