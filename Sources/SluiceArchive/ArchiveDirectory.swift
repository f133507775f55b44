import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The archive's files: `<root>/agent_events/<day>/part-NNNN.pgcopy.lz4` and
/// `part-NNNN.manifest.json`, plus `<root>/sluice-archive.json` naming the database it belongs to.
/// Files are written crash-safely (``DurableFile``).
public struct ArchiveDirectory: ArchiveStore {
    public let root: URL

    public init(root: URL) { self.root = root }

    public func dayDirectory(_ day: String) -> URL {
        root.appendingPathComponent("agent_events").appendingPathComponent(day)
    }

    public static func dataFileName(part: Int) -> String { String(format: "part-%04d.pgcopy.lz4", part) }
    public static func manifestFileName(part: Int) -> String { String(format: "part-%04d.manifest.json", part) }

    public func dataFile(day: String, part: Int) -> URL { dayDirectory(day).appendingPathComponent(Self.dataFileName(part: part)) }
    public func manifestFile(day: String, part: Int) -> URL { dayDirectory(day).appendingPathComponent(Self.manifestFileName(part: part)) }

    /// Creates the directory and its identity file, or checks that it belongs to `installation`.
    public func claim(installation: String) throws {
        try makeDirectory(root)
        let identity = root.appendingPathComponent("sluice-archive.json")
        if let data = FileManager.default.contents(atPath: identity.path) {
            let found = (try? JSONDecoder().decode([String: String].self, from: data))?["installation"] ?? "unreadable"
            guard found == installation else {
                throw ArchiveError.foreignDirectory(path: root.path, expected: installation, found: found)
            }
            return
        }
        let body = "{\"format\": \"sluice-archive\", \"installation\": \"\(installation)\"}\n"
        try DurableFile.write(Array(body.utf8), to: identity)
    }

    public var location: String { root.path }
    public func dataLocation(day: String, part: Int) -> String { dataFile(day: day, part: part).path }
    public func manifestLocation(day: String, part: Int) -> String { manifestFile(day: day, part: part).path }

    public func createPart(day: String, part: Int) throws -> any ArchivePartWriter {
        try makeDirectory(dayDirectory(day))
        return try DurableFile(url: dataFile(day: day, part: part))
    }

    public func readPart(day: String, part: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try readChunks(dataFile(day: day, part: part), body)
    }

    public func writeManifest(_ bytes: [UInt8], day: String, part: Int) throws {
        try DurableFile.write(bytes, to: manifestFile(day: day, part: part))
    }

    public func manifestData(day: String, part: Int) throws -> Data? {
        FileManager.default.contents(atPath: manifestFile(day: day, part: part).path)
    }

    public func storedManifests() throws -> [SegmentManifest] { try manifests().map(\.manifest) }

    public func removeLeftovers() throws { removeTemporaryFiles() }

    /// Every manifest under the root (for restore and list without a database), by day and part.
    public func manifests() throws -> [(url: URL, manifest: SegmentManifest)] {
        let base = root.appendingPathComponent("agent_events")
        let days = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
        var found: [(URL, SegmentManifest)] = []
        for day in days.sorted() {
            let dir = base.appendingPathComponent(day)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for name in names.sorted() where name.hasSuffix(".manifest.json") {
                let url = dir.appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: url.path) else { continue }
                do {
                    found.append((url, try SegmentManifest.decode(data)))
                } catch {
                    throw ArchiveError.corrupt(path: url.path, reason: "the manifest is not valid JSON (\(error))")
                }
            }
        }
        return found
    }

    /// Removes leftovers of interrupted runs (`*.tmp`).
    public func removeTemporaryFiles() {
        let base = root.appendingPathComponent("agent_events")
        guard let walker = FileManager.default.enumerator(atPath: base.path) else { return }
        for case let path as String in walker where path.hasSuffix(".tmp") {
            unlink(base.appendingPathComponent(path).path)
        }
    }

    /// Creates `url` and any missing parent, fsyncing each new directory's parent so that the new
    /// entry survives a power loss (the files published inside then fsync the directory itself).
    /// `url`'s parent is fsynced even when `url` exists: a run killed between its mkdir and that
    /// fsync leaves a directory that exists but may not be durable yet.
    func makeDirectory(_ url: URL) throws {
        var missing: [URL] = []
        var at = url.standardizedFileURL
        while !FileManager.default.fileExists(atPath: at.path) && at.path != "/" {
            missing.append(at)
            at = at.deletingLastPathComponent()
        }
        for dir in missing.reversed() {
            if mkdir(dir.path, 0o755) != 0 && errno != EEXIST {
                throw ArchiveError.io(path: dir.path, operation: "creating", errno: errno)
            }
            try DurableFile.syncDirectory(dir.deletingLastPathComponent())
        }
        if missing.isEmpty { try DurableFile.syncDirectory(url.standardizedFileURL.deletingLastPathComponent()) }
    }
}

/// A file written crash-safely: to `<name>.tmp`, fsync, rename over `<name>`, fsync the directory.
/// A crash at any point leaves either the old state or the complete new file.
public final class DurableFile: ArchivePartWriter {
    public let url: URL
    private let temporary: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    public private(set) var bytesWritten = 0
    private static let bufferSize = 1 << 20

    public init(url: URL) throws {
        self.url = url
        temporary = url.path + ".tmp"
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ArchiveError.io(path: temporary, operation: "creating", errno: errno) }
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        if fd >= 0 { close(fd); unlink(temporary) }
    }

    public func write<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        bytesWritten += bytes.count
        if buffer.count >= Self.bufferSize { try flush() }
    }

    private func flush() throws {
        var offset = 0
        try buffer.withUnsafeBytes { b in
            while offset < b.count {
                let n = systemWrite(fd, b.baseAddress! + offset, b.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ArchiveError.io(path: temporary, operation: "writing", errno: errno)
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws { try write(bytes.bindMemory(to: UInt8.self)) }

    /// Seals, reaches `sealed`, publishes.
    public func finish(crash: CrashPoints) throws {
        try seal()
        crash.reach("sealed")
        try publish()
    }

    /// Closes and removes the temporary file (the final name is untouched).
    public func abandon() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporary)
    }

    /// Flushes, fsyncs and closes the temporary file, without publishing it yet.
    public func seal() throws {
        try flush()
        guard fsync(fd) == 0 else { throw ArchiveError.io(path: temporary, operation: "syncing", errno: errno) }
        guard close(fd) == 0 else { fd = -1; throw ArchiveError.io(path: temporary, operation: "closing", errno: errno) }
        fd = -1
    }

    /// Renames the sealed temporary file over the final name and fsyncs the directory.
    public func publish() throws {
        guard rename(temporary, url.path) == 0 else { throw ArchiveError.io(path: url.path, operation: "renaming", errno: errno) }
        try Self.syncDirectory(url.deletingLastPathComponent())
    }

    /// Writes `bytes` to `url` durably, in one go.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        let file = try DurableFile(url: url)
        try file.write(bytes)
        try file.seal()
        try file.publish()
    }

    static func syncDirectory(_ url: URL) throws {
        let dfd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw ArchiveError.io(path: url.path, operation: "opening", errno: errno) }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw ArchiveError.io(path: url.path, operation: "syncing", errno: errno) }
    }
}

/// Reads a file in 4 MiB chunks.
func readChunks(_ url: URL, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    let fd = open(url.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ArchiveError.io(path: url.path, operation: "opening", errno: errno) }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4 << 20)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw ArchiveError.io(path: url.path, operation: "reading", errno: errno)
        }
        if n == 0 { return }
        try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }
}

private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
