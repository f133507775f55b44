import NIOPosix

/// Runs blocking work (starting or stopping PostgreSQL) off the cooperative pool.
enum NIOThreadPoolRunner {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
