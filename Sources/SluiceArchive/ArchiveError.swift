#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the archive or of retention, saying what to do.
public enum ArchiveError: Error, Sendable, CustomStringConvertible {
    /// A file operation failed (`errno` kept); the message names the path.
    case io(path: String, operation: String, errno: Int32)
    /// A file does not match its manifest or is not a Sluice archive.
    case corrupt(path: String, reason: String)
    /// A manifest of a version newer than this build reads.
    case newerVersion(path: String, version: Int, supported: Int)
    /// The archive directory belongs to another database.
    case foreignDirectory(path: String, expected: String, found: String)
    /// Another `sluice archive run` or `retention run` holds the lock.
    case busy
    /// Nothing in the archive matches what was asked for.
    case notFound(String)
    /// The object store could not be reached or refused a request.
    case store(location: String, operation: String, reason: String)

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            let reason = String(cString: strerror(code))
            if code == ENOSPC || code == EDQUOT || code == EFBIG {
                return "archive: \(operation) \(path) failed: \(reason). The archive directory is full: free space "
                    + "there or point SLUICE_ARCHIVE_DIR at a larger disk, then run again. Nothing was dropped."
            }
            return "archive: \(operation) \(path) failed: \(reason). Check the directory's permissions and disk, then run again."
        case .corrupt(let path, let reason):
            return "archive: \(path) is damaged: \(reason). Its segment will not be dropped; while the rows are still "
                + "in the database, delete the part's files and its catalog row, or restore it from a backup of the archive."
        case .newerVersion(let path, let version, let supported):
            return "archive: \(path) was written by a newer sluice (manifest version \(version); this one reads up to "
                + "\(supported)). Verify or restore it with that version; its segment will not be dropped."
        case .foreignDirectory(let path, let expected, let found):
            return "archive: \(path) belongs to another Sluice database (installation \(found), this one is \(expected)). "
                + "Set SLUICE_ARCHIVE_DIR (or SLUICE_ARCHIVE_URL) to an archive of this database's own."
        case .busy:
            return "archive: another archive or retention run holds the lock on this database; try again when it ends."
        case .notFound(let what):
            return "archive: \(what)"
        case .store(let location, let operation, let reason):
            return "archive: \(operation) \(location) failed: \(reason). Check SLUICE_ARCHIVE_URL, AWS_ENDPOINT_URL, the AWS_* "
                + "credentials and that the store is reachable, then run again. Nothing was dropped."
        }
    }
}
