import Foundation
import SluiceIngest
import SluiceServer
import SluiceStore
import SluiceTestSupport
import Testing

/// A request's outcome depends only on its own events, even when the database refuses one event
/// of the batch that coalesced it with other clients' requests.
@Suite struct IngestIsolationTests {
    @Test func oneRefusedEventFailsNoOtherRequestOfItsBatch() async throws {
        let db = try await TestDatabase.fresh()
        // A refusal validation cannot foresee: the database's own constraint.
        _ = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("ALTER TABLE agent_events ADD CONSTRAINT test_poison CHECK (agent_id <> 'poison')")
        }
        // The batch seals at 30 events: the six requests of 5 are written as one COPY (unless a
        // very loaded machine lets the 20 s timer seal it first: the answers must be the same).
        // `PipelineIsolationTests` proves the coalesced case deterministically.
        var configuration = ServerConfiguration(port: 0)
        configuration.ingest = IngestConfiguration(maxBatchEvents: 30, flushInterval: .seconds(20), writers: 1)
        try await TestServer.with(databaseURL: db, configuration: configuration) { server in

            let guilty = 3, poisoned = 2
            let bodies = (0..<6).map { request in
                Events.array((0..<5).map { i in
                    request == guilty && i == poisoned ? Events.json(#""agentId":"poison""#) : Events.json()
                })
            }
            let results = try await withThrowingTaskGroup(of: (Int, HTTPResult).self) { group in
                for (i, body) in bodies.enumerated() { group.addTask { (i, try await post(port: server.port, body)) } }
                var out: [Int: HTTPResult] = [:]
                for try await (i, r) in group { out[i] = r }
                return out
            }
            for (i, r) in results.sorted(by: { $0.key < $1.key }) {
                if i == guilty {
                    #expect(r.status == 207, "\(r.body)")
                    #expect(r.json["accepted"] as? Int == 4 && r.json["rejected"] as? Int == 1)
                    #expect(r.results[poisoned]["status"] as? String == "rejected")
                    #expect((r.results[poisoned]["error"] as? String)?.contains("23514") == true, "\(r.body)")
                    #expect(r.results.enumerated().allSatisfy { $0.offset == poisoned || $0.element["status"] as? String == "stored" })
                } else {
                    #expect(r.status == 200, "request \(i): \(r.status) \(r.body)")
                }
            }
            let stored = try await TestDatabase.query(db) { conn throws(StoreError) in try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self) }
            #expect(stored == "29")
        }
    }

    /// What the issue reproduced: `1e1000000` is refused at the door, with the field, and its
    /// neighbours in the same request and in other requests are stored.
    @Test func aNumberJsonbCannotHoldIsRefusedAlone() async throws {
        let db = try await TestDatabase.fresh()
        var configuration = ServerConfiguration(port: 0)
        configuration.ingest = IngestConfiguration(maxBatchEvents: 20, flushInterval: .seconds(20), writers: 1)
        try await TestServer.with(databaseURL: db, configuration: configuration) { server in
            let bad = Events.array([Events.json(), Events.json(#""data":{"x":1e1000000}"#), Events.json()])
            let good = Events.array((0..<18).map { _ in Events.json() })
            async let a = post(port: server.port, bad)
            async let b = post(port: server.port, good)
            let (ra, rb) = try await (a, b)
            #expect(ra.status == 207 && rb.status == 200, "\(ra.body) \(rb.body)")
            #expect((ra.results[1]["error"] as? String)?.hasPrefix("data.x: number is too large") == true, "\(ra.body)")
            let stored = try await TestDatabase.query(db) { conn throws(StoreError) in try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self) }
            #expect(stored == "20")
        }
    }
}
