/// A condition that did not come true before its deadline.
public struct WaitTimedOut: Error, CustomStringConvertible {
    public var description: String
}

/// Polls `condition` until it holds. The deadline is generous: it bounds a hang, it times nothing
/// (tests share two cores with every other test), so a test waits for what it needs instead of
/// sleeping for a while and hoping.
public func waitUntil(
    _ what: String = "the condition", timeout: Duration = .seconds(120), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimedOut(description: "\(what) did not hold within \(timeout)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
