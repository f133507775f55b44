import Foundation
import Logging

/// A repeatable definition: one function, trigger or view, from `functions/`, `triggers/` or
/// `views/`. Unlike a ``Migration`` it is applied again whenever its text changes (tracked by
/// checksum in `sluice_definitions`), so each object has exactly one current definition, in the
/// file named after it. See docs/sql-layout.md.
public struct Definition: Sendable, Hashable {
    /// `functions/sluice_rollup.timescale.sql`, the key in `sluice_definitions`.
    public var name: String
    public var sql: String
}

/// The definitions of one SQL tree, in the order of `definitions.txt`, split by when they apply.
public struct Definitions: Sendable {
    /// Applied after `migrations/` in plain mode: every entry's `<entry>.sql`.
    public var plain: [Definition]
    /// Applied after `migrations/` in TimescaleDB mode: the `<entry>.sql` files of the entries
    /// that have no `.timescale.sql` variant.
    public var plainInTimescale: [Definition]
    /// Applied after `timescale/` in TimescaleDB mode: every `<entry>.timescale.sql`.
    public var timescale: [Definition]

    /// Whether the tree has any definition.
    public var hasAny: Bool { !plain.isEmpty || !timescale.isEmpty }

    /// No definitions: a tree of the layout before definitions (migrations only).
    public static let none = Definitions(plain: [], plainInTimescale: [], timescale: [])

    /// The manifest of a tree: `definitions.txt` beside `migrations/`.
    static let manifest = "definitions.txt"
    /// The directories whose `.sql` files are definitions.
    static let directories = ["functions", "triggers", "views"]

    /// Reads the definitions of the tree at `root`, checking that the manifest and the files agree:
    /// every entry has a file, and every file is listed once.
    static func load(from root: URL) throws(StoreError) -> Definitions {
        let manifestURL = root.appendingPathComponent(manifest)
        guard FileManager.default.fileExists(atPath: manifestURL.path) else { return .none }
        let entries = try readManifest(manifestURL)
        var unlisted = Set(try definitionFiles(in: root))
        var result = Definitions.none
        for entry in entries {
            let plainName = "\(entry).sql", timescaleName = "\(entry).timescale.sql"
            let plain = unlisted.remove(plainName).map { _ in plainName }
            let timescale = unlisted.remove(timescaleName).map { _ in timescaleName }
            guard plain != nil || timescale != nil else {
                throw .migration("\(manifest) lists \(entry), but neither \(plainName) nor \(timescaleName) exists: remove the line or add the file")
            }
            if let plain {
                let definition = Definition(name: plain, sql: try read(plain, in: root))
                result.plain.append(definition)
                if timescale == nil { result.plainInTimescale.append(definition) }
            }
            if let timescale {
                result.timescale.append(Definition(name: timescale, sql: try read(timescale, in: root)))
            }
        }
        if let file = unlisted.sorted().first {
            throw .migration("\(file) is not listed in \(manifest): add its entry after the definitions it calls or reads")
        }
        return result
    }

    /// The entries of the manifest, in order: one per line, `#` starts a comment.
    private static func readManifest(_ url: URL) throws(StoreError) -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw .migration("cannot read \(url.path)") }
        var seen = Set<String>()
        var entries: [String] = []
        for line in text.split(separator: "\n") {
            let entry = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { continue }
            guard seen.insert(entry).inserted else { throw .migration("\(manifest) lists \(entry) twice: keep the first line") }
            entries.append(entry)
        }
        return entries
    }

    /// `functions/x.sql`, `triggers/y.timescale.sql`, … under `root`.
    private static func definitionFiles(in root: URL) throws(StoreError) -> [String] {
        var files: [String] = []
        for directory in directories {
            let url = root.appendingPathComponent(directory)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            do {
                files += try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".sql") }.map { "\(directory)/\($0)" }
            } catch {
                throw .migration("cannot read \(url.path): \(error)")
            }
        }
        return files
    }

    private static func read(_ name: String, in root: URL) throws(StoreError) -> String {
        guard let sql = try? String(contentsOf: root.appendingPathComponent(name), encoding: .utf8) else {
            throw .migration("cannot read \(name)")
        }
        return sql
    }
}

extension Migrator {
    /// Applies each of `definitions` whose text differs from the one recorded in
    /// `sluice_definitions` (or that was never applied), in order, each in its own transaction.
    /// Returns the names applied.
    func apply(_ definitions: [Definition], on conn: PostgresConnection) throws(StoreError) -> [String] {
        guard !definitions.isEmpty else { return [] }
        var recorded: [String: String] = [:]
        for row in try conn.execute("SELECT name, checksum FROM sluice_definitions").decodedRows {
            recorded[try row.decode(String.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        var applied: [String] = []
        for d in definitions {
            let checksum = try conn.execute("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", [d.sql]).value(String.self)
            if recorded[d.name] == checksum { continue }
            logger.info("applying definition", metadata: ["file": "\(d.name)"])
            try conn.execute("BEGIN")
            do {
                try conn.executeScript(d.sql)
                try conn.execute("""
                    INSERT INTO sluice_definitions (name, checksum) VALUES ($1, encode(sha256(convert_to($2, 'UTF8')), 'hex'))
                    ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
                    """, [d.name, d.sql])
                try conn.execute("COMMIT")
            } catch {
                _ = try? conn.execute("ROLLBACK")
                throw .migration("\(d.name) failed: \(error)")
            }
            applied.append(d.name)
        }
        return applied
    }
}
