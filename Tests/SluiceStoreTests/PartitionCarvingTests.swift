import Foundation
import Testing
import SluiceCore
@testable import SluiceStore
import SluiceTestSupport

/// Carving a day out of the default partition (plain mode) while others read and write.
@Suite(.enabled(if: TestDatabase.mode == .plain))
struct PartitionCarvingTests {
    /// Four events: two in the partition window, two far outside it (in the default partition).
    static func seed(_ url: String) async throws -> String {
        let events = [-400, 0, 1, 400].map { EventWriterTests.event($0) }
        let stream = EventWriterTests.stream(events)
        return try await TestDatabase.query(url) { conn throws(StoreError) in
            _ = try EventWriter.write(stream, on: conn)
            // The day of the event 400 days ahead, which sits in the default partition.
            return try conn.execute("""
                SELECT ("timestamp" AT TIME ZONE 'UTC')::date::text FROM agent_events_default ORDER BY "timestamp" DESC LIMIT 1
                """).scalar(String.self) ?? ""
        }
    }

    /// A statement planned while the carve holds its locks sees every row once it commits: the
    /// moved rows are neither lost (in a partition the plan does not know) nor counted twice.
    @Test func aReaderWaitingOnACarveSeesTheMovedRows() async throws {
        let url = try await TestDatabase.fresh()
        let day = try await Self.seed(url)
        let carver = ConnectionWorker(url: url, openTransactions: .keep)
        let reader = ConnectionWorker(url: url)
        let created = try await carver.run { conn throws(StoreError) in
            _ = try conn.execute("BEGIN")
            return try conn.execute("SELECT sluice_create_day_partition($1::date)", [day]).scalar(String.self)
        }
        #expect(created == "t")
        let pid = try await reader.run { conn throws(StoreError) in try conn.execute("SELECT pg_backend_pid()").scalar(String.self) ?? "" }
        let counted = Task { try await reader.run { conn throws(StoreError) in try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self) } }
        try await TestDatabase.waitUntilBlocked(pid, on: url)
        _ = try await carver.run { conn throws(StoreError) in try conn.execute("COMMIT") }
        #expect(try await counted.value == "4")
        let placed = try await TestDatabase.query(url) { conn throws(StoreError) in
            try conn.execute("SELECT tableoid::regclass::text FROM agent_events WHERE (\"timestamp\" AT TIME ZONE 'UTC')::date = $1::date", [day]).scalar(String.self)
        }
        #expect(placed == "agent_events_p" + day.replacingOccurrences(of: "-", with: ""))
        await carver.shutdown()
        await reader.shutdown()
    }

    /// A carve that cannot lock the table within its timeout (a long report holds it) gives up
    /// without an error, the day's rows stay readable in the default partition, and the next
    /// maintenance carves it.
    @Test func aCarveBehindALongReaderWaitsForTheNextMaintenance() async throws {
        let url = try await TestDatabase.fresh()
        let day = try await Self.seed(url)
        let report = ConnectionWorker(url: url, openTransactions: .keep)
        _ = try await report.run { conn throws(StoreError) in
            _ = try conn.execute("BEGIN")
            return try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self)
        }
        let (first, stillThere) = try await TestDatabase.query(url) { conn throws(StoreError) in
            (try conn.execute("SELECT sluice_create_day_partition($1::date)", [day]).scalar(String.self),
             try conn.execute("SELECT count(*) FROM agent_events_default").scalar(String.self))
        }
        #expect(first == "f")
        #expect(stillThere == "2")
        _ = try await report.run { conn throws(StoreError) in try conn.execute("COMMIT") }
        let (created, left, total) = try await TestDatabase.query(url) { conn throws(StoreError) in
            (try conn.execute("SELECT sluice_maintain_partitions()").scalar(String.self),
             try conn.execute("SELECT count(*) FROM agent_events_default").scalar(String.self),
             try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self))
        }
        #expect(created == "2")
        #expect(left == "0")
        #expect(total == "4")
        await report.shutdown()
    }
}
