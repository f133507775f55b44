import Foundation
import Logging
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceArchive

/// Databases with events on chosen days, and archive configurations in temporary directories.
enum ArchiveFixtures {
    static let day: Int64 = 86_400_000_000
    static var logger: Logger {
        var l = Logger(label: "test.archive")
        l.logLevel = .warning
        return l
    }

    /// Midnight UTC, `daysAgo` days back, in microseconds since 1970.
    static func midnight(daysAgo: Int) -> Int64 {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        return now - now % day - Int64(daysAgo) * day
    }

    static func dayString(daysAgo: Int) -> String {
        String(Timestamp(microsecondsSinceEpoch: midnight(daysAgo: daysAgo)).rfc3339.prefix(10))
    }

    /// `count` varied events spread over the UTC day `daysAgo` days back.
    static func events(daysAgo: Int, count: Int, seed: Int = 0) -> [AgentEvent] {
        let start = midnight(daysAgo: daysAgo)
        let sessions = (0..<5).map { _ in UUID() }
        let types = ["llm_request", "tool_use", "file_read", "error_encountered", "session_start"]
        return (0..<count).map { i in
            let k = i + seed
            return AgentEvent(
                id: UUID(), timestamp: Timestamp(microsecondsSinceEpoch: start + Int64(k % 86_000) * 1_000_000 + Int64(k % 997)),
                eventType: types[k % types.count], agentId: ["claude-code", "copilot"][k % 2], agentVersion: "1.\(k % 3)",
                sessionId: sessions[k % sessions.count], projectId: Int32(1 + k % 3),
                context: try! JSONText(#"{"cwd":"/src/p\#(k % 3)","branch":"main"}"#),
                data: try! JSONText(#"{"toolName":"Read","n":\#(k),"text":"ünïcödé \"quoted\" \#(String(repeating: "x", count: k % 50))"}"#),
                metrics: k % 4 == 0 ? nil : try! JSONText(#"{"durationMs":\#(k % 900),"inputTokens":\#(k % 100)}"#),
                parentEventId: k % 5 == 0 ? UUID() : nil, relatedEventIds: k % 7 == 0 ? [UUID().uuidString.lowercased()] : [],
                tags: k % 3 == 0 ? ["ci", "swift"] : [], severity: k % 11 == 0 ? .error : nil)
        }
    }

    /// Stores and projects `events`; without `facts`, as a database migrated before the fact columns takes them.
    static func store(_ events: [AgentEvent], in url: String, facts: Bool = true) async throws {
        var e = CopyBinaryEncoder(includesFacts: facts)
        for event in events { e.append(event) }
        let stream = CopyBinaryEncoder.stream([e])
        // Projected too: retention drops only days the projections hold.
        _ = try await TestDatabase.query(url) { conn throws(StoreError) in
            _ = try EventWriter.write(stream, columns: facts ? EventWriter.eventColumns : EventWriter.logColumns, on: conn)
            try catchUp(on: conn)
        }
    }

    static func configuration(directory: URL? = nil) -> ArchiveConfiguration {
        ArchiveConfiguration(directory: directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("archive-\(UUID().uuidString)"),
                             archiveAfterDays: 1, retentionDays: 30, restoreBatchRows: 777)
    }

    /// Every row of the days before `daysAgo` days back, as text, ordered by key.
    static func rows(before daysAgo: Int, in url: String) async throws -> [[String?]] {
        let cutoff = Timestamp(microsecondsSinceEpoch: midnight(daysAgo: daysAgo)).rfc3339
        return try await TestDatabase.query(url) { conn throws(StoreError) in
            try conn.execute("SELECT \(archivedRow) FROM agent_events e WHERE \"timestamp\" < $1::timestamptz ORDER BY id, \"timestamp\"", [cutoff]).rows
        }
    }

    /// A row of `agent_events e` as an archive part holds it: the event as posted and its
    /// `ingest_xid` (restored rows have no facts; the folds read their jsonb).
    static let archivedRow = "row(" + (CopyBinaryEncoder.logColumns + ["ingest_xid"]).map { "e." + $0 }.joined(separator: ", ") + ")::text"

    static func run<T: Sendable>(_ url: String, _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let result: Result<T, any Error> = try await TestDatabase.query(url) { conn throws(StoreError) in
            do { return .success(try body(conn)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    static func scalar(_ url: String, _ sql: String) async throws -> String? {
        try await TestDatabase.query(url) { conn throws(StoreError) in try conn.execute(sql).scalar(String.self) }
    }
}
