import Foundation
import NIOHTTP1
import SluiceCore
import SluiceProcess
import SluiceStore
import SluiceTestSupport
import Testing
@testable import SluiceProjections

#if canImport(Glibc)
import Glibc
#endif

/// `sluice serve` through PgBouncer in session mode, the mode its per-connection prepared
/// statements need (docs/operations.md): migrations, ingest with retries, the projector and the
/// query API all go through the pooler, and the projections equal the log.
@Suite struct PgBouncerTests {
    @Test func ingestProjectionsAndQueriesWorkThroughPgBouncerInSessionMode() async throws {
        let db = try await TestDatabase.fresh(migrate: false)
        let bouncer = try await PgBouncer(for: db, mode: "session")
        do {
            let server = try await ServeProcess(databaseURL: bouncer.url, environment: ["SLUICE_PROJECTION_INTERVAL_MS": "20"])
            let workload = TwoProcessesTests.workload(sessions: 6, events: 1_200)
            let bodies = stride(from: 0, to: workload.count, by: 100).map { start in
                Events.array(workload[start..<min(start + 100, workload.count)].map(\.1))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, body) in bodies.enumerated() {
                    group.addTask {
                        let first = try await post(port: server.port, body)
                        #expect(first.status == 200, "\(first.body.prefix(300))")
                        // Every third batch is sent again: stored once all the same.
                        if i % 3 == 0 {
                            let again = try await post(port: server.port, body)
                            #expect(again.status == 200)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let total = String(workload.count)
            try await waitUntil("the projector folded every event through the pooler") {
                try await TestDatabase.query(db) { conn throws(StoreError) in
                    try conn.execute("""
                        SELECT (SELECT count(*)::text FROM agent_events), (SELECT sum(event_count)::text FROM agent_events_hourly),
                               (SELECT sum((metrics->>'events')::int)::text FROM agent_sessions)
                        """).rows[0]
                } == [total, total, total]
            }
            let differences = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute(TwoProcessesTests.hourlyDifferences).value(Int.self)
            }
            #expect(differences == 0)
            let sessions = try await request(.GET, port: server.port, "/v1/sessions?limit=50")
            let listed = sessions.json["items"] as? [[String: Any]] ?? []
            #expect(sessions.status == 200 && listed.count == 6, "\(sessions.body.prefix(300))")
            // Its connections were the pooler's.
            let database = try PgBouncer.ServerAddress(db).database
            #expect(bouncer.log.contains("login attempt: db=\(database)"), "\(bouncer.log.suffix(2000))")
            server.signal(SIGTERM)
            let exit = try await server.wait()
            #expect(exit == .exited(0), "\(server.log)")
        } catch {
            await bouncer.stop()
            throw error
        }
        await bouncer.stop()
    }
}
