import Foundation
import SluiceCore

/// What `--watch` saves between runs: per file, how far it was imported, and the mappers'
/// memory. Written atomically (a temporary file renamed over the old one) after the events up
/// to those offsets are stored, so a restart resumes exactly where the last run stopped.
public struct WatchState: Sendable, Codable {
    public var version = 1
    public var files: [String: FilePosition] = [:]
    public var claude = ClaudeMapperState()
    /// Copilot files are whole-session snapshots: the size and modification time last imported.
    public var copilot: [String: FilePosition] = [:]

    public struct FilePosition: Sendable, Codable, Equatable {
        public var offset: Int64
        public var line: Int
        public var modified: Double? = nil
        /// Claude: whether the file is a sidechain transcript (known once it has a line).
        public var sidechain: Bool? = nil
    }

    public init() {}

    /// Default: `$XDG_STATE_HOME/sluice/import-<kind>.json` (`~/.local/state/sluice/…`).
    public static func defaultPath(kind: String) -> String {
        let base = Configuration.current.string("XDG_STATE_HOME") ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/state")
        return ((base as NSString).appendingPathComponent("sluice") as NSString).appendingPathComponent("import-\(kind).json")
    }

    public static func load(path: String) throws -> WatchState {
        guard FileManager.default.fileExists(atPath: path) else { return WatchState() }
        do {
            return try JSONDecoder().decode(WatchState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ImportError("the watch state \(path) is unreadable (\(error)); delete it to import everything again (nothing is stored twice)")
        }
    }

    /// The saved form (sorted keys, so an unchanged state encodes to the same bytes).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(self)
    }

    public func save(path: String) throws {
        try Self.save(try encoded(), path: path)
    }

    /// Writes `data` (from ``encoded()``) to `path` atomically.
    public static func save(_ data: Data, path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        try data.write(to: tmp)
        if rename(tmp.path, url.path) != 0 {
            throw ImportError("cannot write the watch state \(path): \(String(cString: strerror(errno)))")
        }
    }
}
