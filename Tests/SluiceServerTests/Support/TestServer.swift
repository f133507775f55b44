import Foundation
import Logging
import SluiceServer

/// A Sluice server running in this process on a free loopback port.
struct TestServer: Sendable {
    let port: Int
    let databaseURL: String
    private let task: Task<Void, any Error>

    static func start(databaseURL: String, configuration: ServerConfiguration = ServerConfiguration(port: 0)) async throws -> TestServer {
        var configuration = configuration
        configuration.port = 0
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical  // cancellation at stop() logs errors that mean nothing here
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = SluiceApplication(databaseURL: databaseURL, configuration: configuration, logger: logger)
        let task = Task {
            defer { continuation.finish() }
            try await app.run(signals: []) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw TestFailure("the server stopped before listening")
        }
        return TestServer(port: port, databaseURL: databaseURL, task: task)
    }

    /// Runs `body` with a server on `databaseURL`, then stops the server and waits until it has
    /// stopped, whether `body` returned or threw.
    static func with<T>(
        databaseURL: String, configuration: ServerConfiguration = ServerConfiguration(port: 0), _ body: (TestServer) async throws -> T
    ) async throws -> T {
        let server = try await start(databaseURL: databaseURL, configuration: configuration)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
