import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Posts request bodies to `POST /v1/events` from concurrent clients, each one request at a time
/// over its own keep-alive HTTP/1.1 connection, and records how long each acknowledgement took.
enum HTTPLoad {
    struct Result: Sendable {
        var seconds: Double
        /// Per request, from the first send to the end of the 200 response (which the server sends after COMMIT), in ms.
        var latencies: [Double]
        /// Requests answered 429 or 503 and sent again.
        var retries: Int
    }

    /// Client `c` sends bodies `c`, `c + concurrency`, `c + 2·concurrency`, … With `pace`, body
    /// `i` is not sent before `i × pace` after the start (a steady rate instead of full speed).
    /// `headers` go with every request (`Authorization`).
    static func run(
        bodies: [ByteBuffer], url: String, concurrency: Int, client: HTTPClient, pace: Duration? = nil, headers: [(String, String)] = []
    ) async throws -> Result {
        let start = ContinuousClock.now
        let perClient = try await withThrowingTaskGroup(of: (latencies: [Double], retries: Int).self) { group in
            for c in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    var retries = 0
                    for i in stride(from: c, to: bodies.count, by: concurrency) {
                        if let pace { try await Task.sleep(until: start + pace * i, clock: .continuous) }
                        let sent = ContinuousClock.now
                        retries += try await post(bodies[i], url: url, client: client, headers: headers)
                        latencies.append((ContinuousClock.now - sent).seconds * 1000)
                    }
                    return (latencies, retries)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        return Result(
            seconds: (ContinuousClock.now - start).seconds,
            latencies: perClient.flatMap(\.latencies),
            retries: perClient.reduce(0) { $0 + $1.retries })
    }

    /// Posts one body until the server acknowledges it; returns how many times it was refused for
    /// back-pressure first. The events carry their ids, so sending again is idempotent.
    private static func post(_ body: ByteBuffer, url: String, client: HTTPClient, headers: [(String, String)]) async throws -> Int {
        let request = self.request(body, url: url, headers: headers)
        var refused = 0
        while true {
            let response = try await client.execute(request, timeout: .seconds(300))
            let answer = try await response.body.collect(upTo: 64 << 20)
            let code = response.status.code
            if code == 200 { return refused }
            if (code == 429 || code == 503) && refused < 100 {
                refused += 1
                let wait = response.headers.first(name: "Retry-After").flatMap(Double.init) ?? 0.2
                try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                continue
            }
            throw BenchError("POST \(url) answered \(code): \(String(buffer: answer).prefix(1000))")
        }
    }

    /// `POST url` of a JSON body.
    static func request(_ body: ByteBuffer, url: String, headers: [(String, String)]) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(body)
        return request
    }
}
