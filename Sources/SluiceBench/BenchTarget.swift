import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Where a benchmark runs: the PostgreSQL server on which it creates its databases, and the
/// `sluice` it starts as `sluice serve`.
public struct BenchTarget: Sendable {
    /// A connection string for the server; the bench databases are created next to its database.
    public var databaseURL: String
    /// How the report names the server (`embedded cluster at …`, `DATABASE_URL`).
    public var databaseLabel: String
    /// The `sluice` executable to start as the HTTP server.
    public var serverExecutable: String
    public var logger: Logger

    public init(databaseURL: String, databaseLabel: String, serverExecutable: String, logger: Logger) {
        self.databaseURL = databaseURL
        self.databaseLabel = databaseLabel
        self.serverExecutable = serverExecutable
        self.logger = logger
    }

    /// An HTTP/1.1 client keeping up to `connections` keep-alive connections to one host.
    static func client(connections: Int = 8) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.httpVersion = .http1Only
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// Starts `sluice serve` on `databaseURL` with `environment`, waits until it is ready, runs
    /// `body` with it and `client`, then stops the server (`body` may stop it first, to time its
    /// shutdown) and shuts the client down, whether `body` returned or threw.
    func withServer<T>(
        databaseURL: String, logFile: URL, environment: [String: String] = [:], client: HTTPClient,
        _ body: (ServerProcess) async throws -> T
    ) async throws -> T {
        let server: ServerProcess
        do {
            server = try ServerProcess.start(executable: serverExecutable, databaseURL: databaseURL, logFile: logFile, environment: environment)
        } catch {
            try? await client.shutdown()
            throw error
        }
        do {
            try await server.waitUntilReady(client: client)
            let value = try await body(server)
            try? await client.shutdown()
            await server.stop()
            return value
        } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
    }
}

/// A benchmark that runs against a ``BenchTarget``, and logs to its logger.
protocol TargetedBenchmark: Sendable {
    var target: BenchTarget { get }
}

extension TargetedBenchmark {
    var logger: Logger { target.logger }
}
