import Foundation
import SluiceStore
import SluiceTestSupport
import Testing

@Suite struct TwoServersTests {
    /// Two servers on one database, each with its projector, both taking writes: every event is
    /// projected once (the projectors take turns), and every event is stored once.
    @Test func projectorsOfSeveralServersNeverDoubleCount() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { a in
            try await TestServer.with(databaseURL: db) { b in
                let sessions = (0..<6).map { _ in UUID().uuidString.lowercased() }
                let bodies = (0..<40).map { i in
                    Events.array((0..<100).map { j in Events.json(at: Date().addingTimeInterval(Double(-(i * 100 + j))), #""sessionId":"\#(sessions[(i + j) % 6])""#) })
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (i, body) in bodies.enumerated() {
                        group.addTask {
                            let port = i % 2 == 0 ? a.port : b.port
                            let r = try await post(port: port, body)
                            #expect(r.status == 200)
                            if i % 5 == 0 { _ = try await post(port: port == a.port ? b.port : a.port, body) }  // a retry elsewhere
                        }
                    }
                    try await group.waitForAll()
                }
                var seen: [String?] = []
                for _ in 0..<600 {
                    seen = try await TestDatabase.query(db) { conn throws(StoreError) in
                        try conn.execute("""
                            SELECT (SELECT count(*)::text FROM agent_events), (SELECT sum(event_count)::text FROM agent_events_hourly),
                                   (SELECT sum((metrics->>'events')::int)::text FROM agent_sessions), (SELECT count(*)::text FROM agent_sessions)
                            """).rows[0]
                    }
                    if seen == ["4000", "4000", "4000", "6"] { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(seen == ["4000", "4000", "4000", "6"])
            }
        }
    }
}
