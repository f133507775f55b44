import Foundation
import Logging
import Testing
import SluiceCore
import SluiceImport
import SluiceProjections
import SluiceServer
import SluiceStore
import SluiceTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Imports the fixtures into a real database (the server's COPY writer) and over HTTP into a
/// real server, twice, and checks the stored totals against the hand-computed ones.
@Suite struct ImportDatabaseTests {
    /// Per session: requests, input, output, cache write, cache read, cost (exact numeric text).
    static let perSession = """
        SELECT session_id::text, count(*) FILTER (WHERE event_type = 'llm_response'),
               sum((metrics->>'inputTokens')::bigint), sum((metrics->>'outputTokens')::bigint),
               sum((metrics->>'cacheCreationTokens')::bigint), sum((metrics->>'cacheReadTokens')::bigint),
               sum((metrics->>'costUSD')::numeric)
        FROM agent_events WHERE agent_id = 'claude-code' GROUP BY 1 ORDER BY 1
        """
    static let perDay = """
        SELECT to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*) FILTER (WHERE event_type = 'llm_response'),
               sum((metrics->>'inputTokens')::bigint), sum((metrics->>'outputTokens')::bigint),
               sum((metrics->>'cacheCreationTokens')::bigint), sum((metrics->>'cacheReadTokens')::bigint),
               sum((metrics->>'costUSD')::numeric)
        FROM agent_events WHERE event_type IN ('llm_response', 'usage_correction') AND agent_id = 'claude-code' GROUP BY 1 ORDER BY 1
        """

    static func row(_ key: String, _ u: UsageTotals) -> [String?] {
        [key, "\(u.requests)", "\(u.inputTokens)", "\(u.outputTokens)", "\(u.cacheCreationTokens)", "\(u.cacheReadTokens)", u.costUSD]
    }

    static let expectedSessions = [
        row(Fixtures.sessionA, Expected.sessionA), row(Fixtures.sessionB, Expected.sessionB), row(Fixtures.sessionC, Expected.sessionC),
    ]
    static let expectedDays = [
        row("2025-10-10", Expected.day10), row("2025-10-11", Expected.day11), row("2025-10-12", Expected.day12),
    ]

    func importAll(_ root: String, into sink: any EventSink) async throws -> ClaudeImport {
        let run = ClaudeImport(options: try Fixtures.options(), sink: sink)
        var positions: [String: WatchState.FilePosition] = [:]
        try await run.pass(paths: [root], positions: &positions, now: Fixtures.later)
        return run
    }

    @Test func importingIntoTheDatabaseTwiceStoresEachEventOnce() async throws {
        let url = try await TestDatabase.fresh()
        let copy = try Fixtures.workingCopy()
        try Fixtures.append(part2To: copy.growing)
        let sink = DatabaseSink(url: url)
        let first = try await importAll(copy.root, into: sink)
        #expect(first.inserted == first.stats.events)  // the /btw re-log of the first prompt is skipped, not sent twice
        let (sessions, days, count) = try await TestDatabase.query(url) { conn throws(StoreError) in
            (try conn.execute(Self.perSession).rows, try conn.execute(Self.perDay).rows,
             try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self))
        }
        #expect(sessions == Self.expectedSessions)
        #expect(days == Self.expectedDays)

        let second = try await importAll(copy.root, into: sink)
        #expect(second.inserted == 0)
        let (sessionsAgain, countAgain) = try await TestDatabase.query(url) { conn throws(StoreError) in
            (try conn.execute(Self.perSession).rows, try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self))
        }
        #expect(sessionsAgain == Self.expectedSessions)
        #expect(countAgain == count)

        // The session projection folds the same totals.
        let projected = try await TestDatabase.query(url) { conn throws(StoreError) in
            try catchUp(on: conn)
            return try conn.execute("""
                SELECT id::text, (metrics->>'llmRequests'), (metrics->>'inputTokens'), (metrics->>'outputTokens'),
                       (metrics->>'cacheCreationTokens'), (metrics->>'cacheReadTokens'), (metrics->>'costUSD')::numeric(20, 9)::text,
                       (metrics->>'toolFailures'), end_time IS NOT NULL
                FROM agent_sessions WHERE agent_id = 'claude-code' ORDER BY 1
                """).rows
        }
        #expect(projected.map { Array($0.prefix(7)) } == Self.expectedSessions)
        #expect(projected.map { $0[7] } == ["0", "1", "0"])  // B's failed `make tset`
        #expect(projected.allSatisfy { $0[8] == "t" })
        let chat = try await TestDatabase.query(url) { conn throws(StoreError) in
            try conn.execute("SELECT role, count(*) FROM chat_messages GROUP BY 1 ORDER BY 1").rows
        }
        // Main-chain prompts (A 1, B 1, C 2) and responses with text (A 3, B 2, C 2).
        #expect(chat == [["assistant", "7"], ["user", "4"]])
        await sink.close()
    }

    @Test func importingOverHTTPTwiceStoresEachEventOnce() async throws {
        let url = try await TestDatabase.fresh()
        let server = try await InProcessServer.start(databaseURL: url)
        let copy = try Fixtures.workingCopy()
        try Fixtures.append(part2To: copy.growing)
        let sink = HTTPSink(url: "http://127.0.0.1:\(server.port)", key: nil)
        let first = try await importAll(copy.root, into: sink)
        #expect(first.rejected.isEmpty)
        _ = try await importAll(copy.root, into: sink)
        let copilot = CopilotImport(options: try Fixtures.options(), sink: sink)
        var seen: [String: WatchState.FilePosition] = [:]
        try await copilot.pass(paths: [Fixtures.copilotStorage], seen: &seen)
        await sink.close()
        await server.stop()
        let (sessions, count, estimated) = try await TestDatabase.query(url) { conn throws(StoreError) in
            (try conn.execute(Self.perSession).rows, try conn.execute("SELECT count(*) FROM agent_events WHERE agent_id = 'claude-code'").scalar(String.self),
             try conn.execute("SELECT count(*) FROM agent_events WHERE agent_id = 'github-copilot' AND (metrics->>'tokensEstimated')::boolean").scalar(String.self))
        }
        #expect(sessions == Self.expectedSessions)
        #expect(count == "\(first.stats.events)")
        #expect(estimated == "3")
    }
}

/// A Sluice server in this process on a free loopback port.
struct InProcessServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>

    static func start(databaseURL: String) async throws -> InProcessServer {
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = SluiceApplication(databaseURL: databaseURL, configuration: ServerConfiguration(port: 0), logger: logger)
        let task = Task {
            defer { continuation.finish() }
            try await app.run(signals: []) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw ImportError("the server stopped before listening")
        }
        return InProcessServer(port: port, task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
