import Foundation
import SluiceCore

/// Imports Claude Code transcripts: reads each file from its saved offset, maps complete lines,
/// sends the events in batches, and advances the offsets once they are stored.
public final class ClaudeImport: @unchecked Sendable {
    // @unchecked: an import run is driven by one task at a time; the mapper and stats are its own.
    public var mapper: ClaudeMapper
    public let sink: (any EventSink)?
    public var stats = ImportStats()
    public var batchSize: Int
    private let progress: ProgressLine?
    private var buffer: [AgentEvent] = []
    /// Events new to the log, as the sink counted them (nil if it cannot tell).
    public private(set) var inserted: Int? = 0
    public private(set) var rejected: [String] = []

    public init(options: ImportOptions, sink: (any EventSink)?, state: ClaudeMapperState = .init(), batchSize: Int = 5000, progress: ProgressLine? = nil) {
        mapper = ClaudeMapper(options: options, state: state)
        self.sink = sink
        self.batchSize = batchSize
        self.progress = progress
    }

    /// One pass over `paths`: every file from its offset in `positions` to its last complete
    /// line. `positions` is advanced only for what has been stored.
    ///
    /// Main transcripts are read before sidechain ones, whatever the order of `paths`, so that a
    /// message a sidechain file replays is counted from the main chain.
    public func pass(paths: [String], positions: inout [String: WatchState.FilePosition], now: Timestamp = .now) async throws {
        var advanced = positions
        let files = Self.mainFirst(TranscriptDiscovery.claudeFiles(paths), positions: &advanced)
        for (index, path) in files.enumerated() {
            var position = advanced[path] ?? .init(offset: 0, line: 0)
            let size = Self.size(path)
            if let size, size < position.offset {  // replaced or truncated
                position = .init(offset: 0, line: 0, sidechain: position.sidechain)
            } else if let size, size == position.offset, positions[path] != nil {
                continue  // nothing new: not even opened
            }
            var readAny = false
            let limit: Int64 = 32 << 20
            while true {
                let file = path
                var parsedLines = 0
                let before = position.offset
                // A buffer for what is there (a longer line grows it), not 8 MiB for a few new lines.
                let chunk = Int(min(8 << 20, max(64 << 10, (size ?? .max) - position.offset + 1)))
                let result = try LineFileReader.read(path: path, from: position.offset, firstLine: position.line + 1, chunkSize: chunk, limit: limit) { bytes, number in
                    parsedLines += 1
                    if bytes.isEmpty || bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
                    do {
                        let line = try ClaudeLine.parse(bytes)
                        mapper.consume(line, file: file, into: &buffer, stats: &stats)
                    } catch {
                        stats.problem(file: file, line: number, "\(error)")
                    }
                }
                stats.lines += parsedLines
                stats.bytes += result.offset - before
                position.offset = result.offset
                position.line = result.lineNumber
                if parsedLines > 0 { readAny = true }
                if buffer.count >= batchSize { try await flush() }
                progress?.update(file: index + 1, of: files.count, stats: stats)
                if result.bytesRead < limit || result.offset == before {
                    if result.pendingBytes > 0 { stats.incompleteLines += 1 }
                    break
                }
            }
            if readAny || positions[path] == nil { stats.files += 1 }
            advanced[path] = position
        }
        mapper.finishPass(now: now, out: &buffer, stats: &stats)
        try await flush()
        progress?.update(file: files.count, of: files.count, stats: stats, force: true)
        positions = advanced
    }

    /// `files` with the sidechain transcripts last: those under `subagents/`, and any other whose
    /// first line says `isSidechain` (a copy elsewhere, a relative path). What a file's first line
    /// said is kept in `positions`, so each file is looked at once.
    static func mainFirst(_ files: [String], positions: inout [String: WatchState.FilePosition]) -> [String] {
        var main: [String] = [], side: [String] = []
        for path in files {
            var sidechain = positions[path]?.sidechain
            if sidechain == nil {
                sidechain = path.contains("/subagents/") ? true : firstLineIsSidechain(path)
                if let sidechain { positions[path, default: .init(offset: 0, line: 0)].sidechain = sidechain }
            }
            if sidechain == true { side.append(path) } else { main.append(path) }
        }
        return main + side
    }

    /// `isSidechain` of the file's first line with a session id; nil if it has none yet.
    static func firstLineIsSidechain(_ path: String) -> Bool? {
        var found: Bool?
        _ = try? LineFileReader.read(path: path, from: 0, firstLine: 1, chunkSize: 64 << 10, limit: 1) { bytes, _ in
            guard found == nil, let line = try? ClaudeLine.parse(bytes), line.sessionId != nil else { return }
            found = line.isSidechain
        }
        return found
    }

    /// Sends what is buffered.
    public func flush() async throws {
        guard !buffer.isEmpty else { return }
        let events = buffer
        buffer.removeAll(keepingCapacity: true)
        guard let sink else { return }
        let outcome = try await sink.send(events)
        if let n = outcome.inserted, let i = inserted { inserted = i + n } else { inserted = nil }
        rejected += outcome.rejected
    }

    static func size(_ path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }
}

extension Timestamp {
    /// The current wall-clock time.
    public static var now: Timestamp {
        Timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000))
    }
}
