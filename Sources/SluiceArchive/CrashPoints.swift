import Foundation

/// A test hook: `SLUICE_ARCHIVE_CRASH_AT=<point>` makes the process kill itself with SIGKILL when
/// the archiver reaches that point (`export`, `sealed`, `published`, `verified`, `manifest`,
/// `before-commit`, `after-commit`, `before-drop`), so that tests can prove every crash is
/// recoverable. Unset, it does nothing.
struct CrashPoints: Sendable {
    let point: String?

    init(_ env: [String: String] = ProcessInfo.processInfo.environment) {
        point = env["SLUICE_ARCHIVE_CRASH_AT"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func reach(_ name: String) {
        if point == name { kill(getpid(), SIGKILL) }
    }
}
