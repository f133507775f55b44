import Foundation
import SluiceStore
import SluiceTestSupport
import Testing

@Suite struct RetryStormTests {
    /// The same 10,000 events posted three times, concurrently, over several connections.
    @Test func retriesAreNeverStoredTwice() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            let base = Date()
            let events = (0..<10_000).map { i in Events.json(at: base.addingTimeInterval(Double(i % 5000) * -60)) }
            let bodies = stride(from: 0, to: events.count, by: 500).map { Events.array(Array(events[$0..<min($0 + 500, events.count)])) }
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for copy in 0..<3 {
                    for lane in 0..<2 {
                        group.addTask {
                            var out: [Int] = []
                            // Each lane walks the bodies in a different order, so copies collide mid-flight.
                            let order = copy % 2 == 0 ? Array(bodies.indices) : bodies.indices.reversed()
                            for i in order where i % 2 == lane {
                                out.append(try await post(port: server.port, bodies[i]).status)
                            }
                            return out
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses.count == 60)
            #expect(statuses.allSatisfy { $0 == 200 })
            let count = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("SELECT count(*), count(DISTINCT id) FROM agent_events").rows[0]
            }
            #expect(count == ["10000", "10000"])
        }
    }
}
