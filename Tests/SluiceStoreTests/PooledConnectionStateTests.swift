import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport

/// Every connection a pool hands back is idle, whatever went wrong while it was lent: a refused
/// COPY, a failed statement (thrown, or swallowed by the caller), or a cancelled caller.
@Suite struct PooledConnectionStateTests {
    /// The states of the other client connections to `url`'s database (the pool's, and perhaps
    /// short-lived ones of the test that have not finished exiting: those are idle too).
    static func states(_ url: String) async throws -> [String] {
        let rows = try await TestDatabase.query(url) { conn throws(StoreError) -> [[String?]] in
            try conn.execute("""
                SELECT coalesce(state, '') FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                """).rows
        }
        return rows.map { $0[0] ?? "" }
    }

    static func allIdle(_ url: String) async throws -> Bool {
        let states = try await states(url)
        return !states.isEmpty && states.allSatisfy { $0 == "idle" }
    }

    static func failingStream() -> [UInt8] {
        var e = CopyBinaryEncoder()
        var event = EventWriterTests.event()
        event.agentId = "poison"
        e.append(event)
        return CopyBinaryEncoder.stream([e])
    }

    @Test func aRefusedCopyLeavesItIdle() async throws {
        let url = try await TestDatabase.fresh()
        _ = try await TestDatabase.query(url) { conn throws(StoreError) in try conn.execute(EventWriterIsolationTests.poison) }
        let pool = ConnectionPool(url: url, size: 1)
        let stream = Self.failingStream()
        await #expect(throws: StoreError.self) {
            try await pool.withConnection { conn throws(StoreError) in _ = try EventWriter.write(stream, on: conn) }
        }
        #expect(try await Self.allIdle(url))
        let one = try await pool.withConnection { conn throws(StoreError) in try conn.execute("SELECT 1").scalar(String.self) }
        #expect(one == "1")
        await pool.shutdown()
    }

    @Test func aFailedStatementLeavesItIdleWhetherThrownOrSwallowed() async throws {
        let url = try await TestDatabase.fresh()
        let pool = ConnectionPool(url: url, size: 1)
        await #expect(throws: StoreError.self) {
            try await pool.withConnection { conn throws(StoreError) in
                _ = try conn.execute("BEGIN")
                _ = try conn.execute("SELECT 1 / 0")
            }
        }
        #expect(try await Self.allIdle(url))
        let swallowed: Int = try await pool.withConnection { conn throws(StoreError) -> Int in
            _ = try conn.execute("BEGIN")
            _ = try? conn.execute("SELECT 1 / 0")
            return 1
        }
        #expect(swallowed == 1)
        #expect(try await Self.allIdle(url))
        await pool.shutdown()
    }

    @Test func aCancelledCallerLeavesItIdle() async throws {
        let url = try await TestDatabase.fresh()
        let pool = ConnectionPool(url: url, size: 1)
        let caller = Task {
            try await pool.withConnection { conn throws(StoreError) in
                _ = try conn.execute("BEGIN")
                _ = try conn.execute("INSERT INTO sluice_meta (key, value) VALUES ('test.cancelled', 'x')")
                _ = try conn.execute("SELECT pg_sleep(60)")
            }
        }
        var waited = 0
        while try await !Self.states(url).contains("active"), waited < 200 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        caller.cancel()
        let result = await caller.result
        #expect(throws: StoreError.self) { try result.get() }
        #expect(try await Self.allIdle(url))
        let inserted = try await pool.withConnection { conn throws(StoreError) in
            try conn.execute("SELECT count(*) FROM sluice_meta WHERE key = 'test.cancelled'").scalar(String.self)
        }
        #expect(inserted == "0")
        await pool.shutdown()
    }
}
