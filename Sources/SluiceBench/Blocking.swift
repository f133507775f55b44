import NIOPosix

/// Runs blocking work (CPU-heavy encoding, file I/O) on NIO's thread pool, never on Swift's
/// cooperative pool.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(work)
}
