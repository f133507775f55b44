import Foundation
import SluiceCore

/// Imports VS Code Copilot chat sessions. Each file is a snapshot (or an operation log) of a
/// whole session, so a changed file is mapped again in full: its events keep their ids, and
/// the log stores only the new ones.
public final class CopilotImport: @unchecked Sendable {
    // @unchecked: an import run is driven by one task at a time.
    public let mapper: CopilotMapper
    public let sink: (any EventSink)?
    public var stats = ImportStats()
    private let progress: ProgressLine?
    public private(set) var inserted: Int? = 0
    public private(set) var rejected: [String] = []

    public init(options: ImportOptions, sink: (any EventSink)?, progress: ProgressLine? = nil) {
        mapper = CopilotMapper(options: options)
        self.sink = sink
        self.progress = progress
    }

    /// One pass: every session file that changed since `seen` (size and modification time).
    public func pass(paths: [String], seen: inout [String: WatchState.FilePosition]) async throws {
        let files = TranscriptDiscovery.copilotFiles(paths)
        for (index, path) in files.enumerated() {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970
            let position = WatchState.FilePosition(offset: size, line: 0, modified: modified)
            if seen[path] == position { continue }
            guard let data = FileManager.default.contents(atPath: path) else {
                stats.problem(file: path, line: 0, "unreadable; check its permissions")
                continue
            }
            stats.files += 1
            stats.bytes += Int64(data.count)
            var events: [AgentEvent] = []
            do {
                let loaded = try CopilotSessionFile.load(data, jsonl: path.hasSuffix(".jsonl"))
                stats.lines += loaded.lines
                for p in loaded.problems { stats.problem(file: path, line: p.line, p.message) }
                if loaded.incompleteLastLine { stats.incompleteLines += 1 }
                mapper.map(session: loaded.session, fileName: (path as NSString).lastPathComponent,
                           workspace: TranscriptDiscovery.copilotWorkspace(forSessionFile: path), into: &events, stats: &stats)
            } catch {
                stats.problem(file: path, line: 1, "\(error)")
                continue
            }
            if let sink, !events.isEmpty {
                let outcome = try await sink.send(events)
                if let n = outcome.inserted, let i = inserted { inserted = i + n } else { inserted = nil }
                rejected += outcome.rejected
            }
            seen[path] = position
            progress?.update(file: index + 1, of: files.count, stats: stats)
        }
        progress?.update(file: files.count, of: files.count, stats: stats, force: true)
    }
}
