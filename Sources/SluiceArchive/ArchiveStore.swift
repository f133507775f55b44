import Foundation

/// Where archive parts and manifests are kept: a local directory (``ArchiveDirectory``) or an
/// S3-compatible bucket (``S3ArchiveStore``). Both hold the same names,
/// `agent_events/<day>/part-NNNN.pgcopy.lz4` and `part-NNNN.manifest.json`, and
/// `sluice-archive.json` naming the database they belong to. Nothing is ever deleted through it.
///
/// Calls block the calling thread (a connection's own thread, never Swift's cooperative pool).
public protocol ArchiveStore: Sendable {
    /// Where it is, for messages: a path or `s3://bucket/prefix`.
    var location: String { get }
    /// Where one part's data file is, for messages.
    func dataLocation(day: String, part: Int) -> String
    /// Where one part's manifest is, for messages.
    func manifestLocation(day: String, part: Int) -> String
    /// Creates the store's identity file, or checks that it belongs to `installation`.
    func claim(installation: String) throws
    /// Removes what interrupted runs left (temporary files, unfinished multipart uploads).
    func removeLeftovers() throws
    /// Starts writing a part's data file; nothing under its name looks complete before
    /// ``ArchivePartWriter/finish(crash:)`` returns.
    func createPart(day: String, part: Int) throws -> any ArchivePartWriter
    /// Reads a part's data file from the store, in chunks, to the end.
    func readPart(day: String, part: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws
    /// Writes a part's manifest durably (replacing one of an interrupted run).
    func writeManifest(_ bytes: [UInt8], day: String, part: Int) throws
    /// A part's manifest as stored, nil when there is none.
    func manifestData(day: String, part: Int) throws -> Data?
    /// Every manifest in the store (for restore without a database), by day and part.
    func storedManifests() throws -> [SegmentManifest]
}

/// A part's data file being written. Not shared between threads: one archiver writes it.
public protocol ArchivePartWriter: AnyObject {
    /// Bytes written so far.
    var bytesWritten: Int { get }
    /// Appends bytes.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes the whole file durable under its final name; `crash` is reached in between
    /// (`sealed`), so that tests can kill the process there.
    func finish(crash: CrashPoints) throws
    /// Gives up: nothing under the final name is left looking complete.
    func abandon()
}
