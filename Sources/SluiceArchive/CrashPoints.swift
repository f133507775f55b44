import Foundation
import SluiceCore

/// A test hook: `SLUICE_ARCHIVE_CRASH_AT=<point>` makes the process kill itself with SIGKILL when
/// the archiver reaches that point (`export`, `sealed`, `published`, `verified`, `manifest`,
/// `before-commit`, `after-commit`, `before-drop`; with an object store also `uploading`, after
/// the first part of a multipart upload), so that tests can prove every crash is
/// recoverable. Unset, it does nothing.
public struct CrashPoints: Sendable {
    let point: String?

    init(_ env: Configuration = .current) {
        point = env.string("SLUICE_ARCHIVE_CRASH_AT")
    }

    public func reach(_ name: String) {
        if point == name { kill(getpid(), SIGKILL) }
    }
}
