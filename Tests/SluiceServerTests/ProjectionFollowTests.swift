import Foundation
import SluiceStore
import SluiceTestSupport
import Testing

@Suite struct ProjectionFollowTests {
    /// `serve` runs the projector: what is acknowledged shows up in sessions and hourly rows.
    @Test func acknowledgedEventsReachTheProjections() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            let r = try await post(port: server.port, Events.array((0..<100).map { _ in Events.json() }))
            #expect(r.status == 200)
            let deadline = ContinuousClock.now + .seconds(30)
            var seen: [String?] = []
            while ContinuousClock.now < deadline {
                seen = try await TestDatabase.query(db) { conn throws(StoreError) in
                    try conn.execute("""
                        SELECT (SELECT sum(event_count)::text FROM agent_events_hourly),
                               (SELECT metrics->>'events' FROM agent_sessions WHERE id = $1::uuid)
                        """, [Events.session]).rows[0]
                }
                if seen == ["100", "100"] { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(seen == ["100", "100"])
        }
    }
}
