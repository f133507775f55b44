import Foundation

/// How the tests were started.
public enum TestEnvironment {
    /// `CI=true`: a test whose tool is missing fails instead of being skipped.
    public static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
}
