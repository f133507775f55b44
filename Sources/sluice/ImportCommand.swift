import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceImport
import SluiceStore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import agent transcripts: Claude Code sessions and VS Code Copilot chats.",
        discussion: """
            Events go straight into the database (DATABASE_URL, or the embedded cluster) through the
            server's COPY writer, or with --url to a Sluice server's POST /v1/events. Event ids are
            derived from the transcripts, so importing again stores nothing twice.
            """,
        subcommands: [Claude.self, Copilot.self])

    struct Options: ParsableArguments {
        @Option(help: "Post to this Sluice server (SLUICE_URL) instead of writing to the database.")
        var url: String?

        @Option(help: "API key for --url (SLUICE_API_KEY).")
        var key: String?

        @Option(name: .customLong("project-id"), help: "The project id (positive 32-bit integer) of every imported event.")
        var projectId: Int32 = 1

        @Option(name: .customLong("machine-id"), help: "This machine's id in the hierarchy (default: the host name).")
        var machineId: String?

        @Flag(help: "Keep following the files and import new lines as they are written.")
        var watch = false

        @Option(help: "Seconds between two passes of --watch.")
        var interval: Double = 2

        @Option(help: "The --watch offsets file (default ~/.local/state/sluice/import-<kind>.json).")
        var state: String?

        @Option(help: "A price table whose models replace or extend the bundled one: Sluice's format (dollars per million tokens) or LiteLLM's model_prices_and_context_window.json (SLUICE_PRICES).")
        var prices: String?

        @Option(help: "Seconds without a new line before a response still streaming at a file's end is imported.")
        var settle: Int64 = 60

        @Flag(help: "Print the summary as JSON (and no progress bar).")
        var json = false

        /// --url, else SLUICE_URL.
        var serverURL: String? { url ?? Configuration.current.string("SLUICE_URL") }
        /// --key, else SLUICE_API_KEY.
        var apiKey: String? { key ?? Configuration.current.string("SLUICE_API_KEY") }
        /// --prices, else SLUICE_PRICES.
        var priceFile: String? { prices ?? Configuration.current.string("SLUICE_PRICES") }

        func validate() throws {
            guard projectId > 0 else { throw ValidationError("--project-id must be a positive 32-bit integer") }
            guard interval > 0 else { throw ValidationError("--interval must be positive") }
        }

        func importOptions() throws -> ImportOptions {
            let host = ProcessInfo.processInfo.hostName
            let prices = try PriceTable.load(overrideFile: priceFile)
            if let first = prices.skipped.first {
                // LiteLLM's file prices many providers; those Sluice cannot read exactly are left out.
                FileHandle.standardError.write(Data("warning: price file \(priceFile ?? ""): left out \(prices.skipped.count) entries that are not Claude or OpenAI models and cannot be priced exactly (first: \(first))\n".utf8))
            }
            return ImportOptions(projectId: projectId, machineId: machineId ?? host, hostname: host, prices: prices, settleSeconds: settle)
        }
    }

    /// Runs `pass` once, or forever with --watch (saving offsets after each stored pass).
    static func run(kind: String, options: Options, logger: Logger,
                    pass: @escaping (any EventSink, inout WatchState, ProgressLine?) async throws -> (ImportStats, Int?, [String])) async throws {
        var database: Database?
        let sink: any EventSink
        if let url = options.serverURL {
            sink = HTTPSink(url: url, key: options.apiKey, logger: logger)
        } else {
            let db = try Database.open(logger: logger)
            database = db
            let migrator = try Migrator(logger: logger)
            _ = try await db.withConnection { conn throws(StoreError) in try migrator.migrate(conn) }
            sink = DatabaseSink(url: db.url, redactor: try Redactor.fromEnvironment())
        }
        defer { database?.close() }
        let target = options.serverURL ?? "the database"
        let progress = options.json ? nil : ProgressLine()
        let statePath = options.state ?? WatchState.defaultPath(kind: kind)
        if !options.watch {
            var state = WatchState()
            let (stats, inserted, rejected) = try await pass(sink, &state, progress)
            progress?.finish()
            await sink.close()
            print(options.json ? ImportReport.json(stats, inserted: inserted, rejected: rejected)
                               : ImportReport.text(stats, inserted: inserted, rejected: rejected, sink: target))
            return
        }
        var state = try WatchState.load(path: statePath)
        var saved = try state.encoded()
        logger.info("watching; offsets in \(statePath)")
        while !Task.isCancelled {
            do {
                let (stats, inserted, rejected) = try await pass(sink, &state, nil)
                let now = try state.encoded()
                if now != saved {  // an idle pass writes nothing
                    try WatchState.save(now, path: statePath)
                    saved = now
                }
                if stats.events > 0 || stats.invalidLines > 0 {
                    if options.json {
                        print(ImportReport.json(stats, inserted: inserted, rejected: rejected))
                    } else {
                        logger.info("imported", metadata: ["lines": "\(stats.lines)", "events": "\(stats.events)", "new": "\(inserted.map(String.init) ?? "?")",
                                                          "requests": "\(stats.totals.requests)", "costUSD": "\(stats.totals.costUSD)", "invalid": "\(stats.invalidLines)"])
                        for p in stats.problems { logger.warning("invalid line", metadata: ["at": "\(p)"]) }
                    }
                }
            } catch {
                // Nothing past the saved offsets counts as imported: start again from them.
                logger.error("import pass failed; retrying from the saved offsets", metadata: ["error": "\(error)"])
                state = try WatchState.load(path: statePath)
                saved = try state.encoded()
            }
            try? await Task.sleep(for: .milliseconds(Int64(options.interval * 1000)))
        }
        await sink.close()
    }

    struct Claude: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import Claude Code transcripts (<project>/<session>.jsonl and <session>/subagents/agent-*.jsonl).")

        @Argument(help: "Files or directories (default ~/.claude/projects, or $CLAUDE_CONFIG_DIR/projects).")
        var paths: [String] = []

        @OptionGroup var options: Options

        func run() async throws {
            try Sluice.bootstrapLogging()
            let logger = Logger(label: "sluice.import")
            let paths = self.paths.isEmpty
                ? [((Configuration.current.string("CLAUDE_CONFIG_DIR") ?? NSHomeDirectory() + "/.claude") as NSString).appendingPathComponent("projects")]
                : self.paths
            let importOptions = try options.importOptions()
            try await Import.run(kind: "claude", options: options, logger: logger) { sink, state, progress in
                let run = ClaudeImport(options: importOptions, sink: sink, state: state.claude, progress: progress)
                try await run.pass(paths: paths, positions: &state.files)
                state.claude = run.mapper.state
                return (run.stats, run.inserted, run.rejected)
            }
        }
    }

    struct Copilot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import VS Code Copilot chat sessions (workspaceStorage/<hash>/chatSessions/*.json and *.jsonl).")

        @Argument(help: "Files or directories (default: the workspaceStorage of VS Code and VS Code Insiders, local and remote).")
        var paths: [String] = []

        @OptionGroup var options: Options

        func run() async throws {
            try Sluice.bootstrapLogging()
            let logger = Logger(label: "sluice.import")
            let home = NSHomeDirectory()
            let paths = self.paths.isEmpty
                ? ["Code", "Code - Insiders", "VSCodium"].flatMap { app in
                    ["\(home)/.config/\(app)/User/workspaceStorage", "\(home)/Library/Application Support/\(app)/User/workspaceStorage"]
                  } + ["\(home)/.vscode-server/data/User/workspaceStorage", "\(home)/.vscode-server-insiders/data/User/workspaceStorage"]
                : self.paths
            let importOptions = try options.importOptions()
            try await Import.run(kind: "copilot", options: options, logger: logger) { sink, state, progress in
                let run = CopilotImport(options: importOptions, sink: sink, progress: progress)
                try await run.pass(paths: paths, seen: &state.copilot)
                return (run.stats, run.inserted, run.rejected)
            }
        }
    }
}
