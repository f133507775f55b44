import CompressNIO
import Foundation
import NIOHTTP1
import NIOCore
import SluiceServer
import SluiceStore
import SluiceTestSupport
import Testing

@Suite struct IngestAPITests {
    @Test func everyFieldSurvivesFromHTTPToSelect() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            let context = #"{"cwd":"/home/zoë/项目","n":1.50,"deep":{"a":[true,null,-0.001,"\u00e9\ud83d\ude00"]},"quote":"\"\\"}"#
            let data = #"{"tool":"Edit","diff":"line1\nline2\ttab","emoji":"🚀","big":12345678901234567890}"#
            let metrics = #"{"durationMs":987,"cost":0.000123,"promptTokens":1200}"#
            let event = #"""
                {"id":"0190c1a0-aaaa-7bbb-8ccc-0123456789ab","timestamp":"2026-11-20T10:11:12.654321+05:30",
                 "eventType":"file_write","agentId":"claude-code","agentVersion":"2.0.14",
                 "sessionId":"0190c1a0-0000-7000-8000-0000000000ff","projectId":42,
                 "context":\#(context),"data":\#(data),"metrics":\#(metrics),
                 "parentEventId":"0190c1a0-aaaa-7bbb-8ccc-0123456789aa","relatedEventIds":["r1","r–2"],
                 "tags":["ünïcødé","with space","",","],"severity":"critical"}
                """#
            let r = try await post(port: server.port, "[\(event)]")
            #expect(r.status == 200, "\(r.body)")
            let row = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("""
                    SELECT id::text, to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), event_type, agent_id,
                           agent_version, session_id::text, project_id::text, context = $1::jsonb, data = $2::jsonb,
                           metrics = $3::jsonb, parent_event_id::text, array_to_json(related_event_ids)::jsonb = $4::jsonb,
                           array_to_json(tags)::jsonb = $5::jsonb, severity, context::text
                    FROM agent_events
                    """, [context, data, metrics, #"["r1","r–2"]"#, #"["ünïcødé","with space","",","]"#]).rows
            }
            #expect(row.count == 1)
            #expect(row[0] == [
                "0190c1a0-aaaa-7bbb-8ccc-0123456789ab", "2026-11-20T04:41:12.654321", "file_write", "claude-code", "2.0.14",
                "0190c1a0-0000-7000-8000-0000000000ff", "42", "t", "t", "t", "0190c1a0-aaaa-7bbb-8ccc-0123456789aa", "t", "t",
                "critical", #"{"n": 1.50, "cwd": "/home/zoë/项目", "deep": {"a": [true, null, -0.001, "é😀"]}, "quote": "\"\\"}"#,
            ])
        }
    }

    @Test func oneBadEventAmongAThousandIsRejectedAlone() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            var events = (0..<1000).map { _ in Events.json() }
            events[517] = Events.json(#""timestamp":"last tuesday""#)
            let r = try await post(port: server.port, Events.array(events))
            #expect(r.status == 207)
            #expect(r.json["accepted"] as? Int == 999 && r.json["rejected"] as? Int == 1)
            #expect(r.results.count == 1000)
            #expect(r.results[517]["status"] as? String == "rejected")
            #expect((r.results[517]["error"] as? String)?.hasPrefix("timestamp: not an RFC 3339 time") == true)
            #expect(r.results[517]["id"] as? String != nil)
            #expect(r.results[516]["status"] as? String == "stored")
            let count = try await TestDatabase.query(db) { conn throws(StoreError) in try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self) }
            #expect(count == "999")
        }
    }

    @Test func lateAndFutureEventsAreStored() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            let now = Date()
            let events = [
                Events.json(at: now.addingTimeInterval(-366 * 86_400)), Events.json(at: now.addingTimeInterval(-29 * 86_400)),
                Events.json(at: now.addingTimeInterval(86_400)), Events.json(at: now.addingTimeInterval(3 * 365 * 86_400)),
            ]
            let r = try await post(port: server.port, Events.array(events))
            #expect(r.status == 200, "\(r.body)")
            let count = try await TestDatabase.query(db) { conn throws(StoreError) in try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self) }
            #expect(count == "4")
        }
    }

    @Test func acceptsNDJSONAndGzipBodies() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            let ndjson = (0..<50).map { _ in Events.json() }.joined(separator: "\n") + "\n{broken\n"
            let r1 = try await post(port: server.port, ndjson, headers: [("Content-Type", "application/x-ndjson")])
            #expect(r1.status == 207 && r1.json["accepted"] as? Int == 50)

            var plain = ByteBuffer(string: Events.array((0..<200).map { _ in Events.json() }))
            let gzipped = try plain.compress(with: .gzip())
            let r2 = try await request(port: server.port, "/v1/events", body: Array(buffer: gzipped),
                                       headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")])
            #expect(r2.status == 200, "\(r2.body)")
            let r3 = try await request(port: server.port, "/v1/events", body: Array("not gzip".utf8),
                                       headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")])
            #expect(r3.status == 400)
            let count = try await TestDatabase.query(db) { conn throws(StoreError) in try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self) }
            #expect(count == "250")
        }
    }

    @Test func refusesWholeBodiesOnlyWhenTheyCannotBeRead() async throws {
        let db = try await TestDatabase.fresh()
        var config = ServerConfiguration(port: 0)
        config.maxBodyBytes = 50_000
        config.maxEventsPerRequest = 20
        try await TestServer.with(databaseURL: db, configuration: config) { server in
            #expect(try await post(port: server.port, "[{\"timestamp\": ").status == 400)
            #expect(try await post(port: server.port, "").status == 400)
            let many = try await post(port: server.port, Events.array((0..<21).map { _ in Events.json() }))
            #expect(many.status == 413)
            let big = try await post(port: server.port, Events.array([Events.json(#""data":{"x":"\#(String(repeating: "y", count: 60_000))"}"#)]))
            #expect(big.status == 413)
            var huge = ByteBuffer(string: Events.array([Events.json(#""data":{"x":"\#(String(repeating: "y", count: 200_000))"}"#)]))
            let bomb = try huge.compress(with: .gzip())  // small on the wire, too large once decoded
            #expect(bomb.readableBytes < 50_000)
            let r = try await request(port: server.port, "/v1/events", body: Array(buffer: bomb),
                                      headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")])
            #expect(r.status == 413)
            #expect(try await post(port: server.port, Events.array([Events.json()])).status == 200)
        }
    }

    @Test func healthAndReadiness() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server throws in
            #expect(try await request(.GET, port: server.port, "/healthz").status == 200)
            #expect(try await request(.GET, port: server.port, "/readyz").status == 200)
            #expect(try await request(.GET, port: server.port, "/api/health").status == 200)

            // A definition changed by another build's `sluice migrate`, another dropped from the
            // record: not ready, naming both, until the record is this build's again.
            try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("UPDATE sluice_definitions SET checksum = 'other' WHERE name = 'functions/sluice_num.sql'")
                try conn.execute("DELETE FROM sluice_definitions WHERE name = 'functions/sluice_is_error.sql'")
            }
            let stale = try await request(.GET, port: server.port, "/readyz")
            #expect(stale.status == 503)
            #expect(stale.headers["Retry-After"].first == "5")
            #expect(stale.json["error"] as? String
                    == "definitions not current: functions/sluice_num.sql, functions/sluice_is_error.sql; run `sluice migrate`", "\(stale.body)")
            #expect(try await request(.GET, port: server.port, "/api/health").status == 503)
            _ = try await TestDatabase.query(db) { conn throws(StoreError) in try Migrator().migrate(conn) }
            #expect(try await request(.GET, port: server.port, "/readyz").status == 200)

            // A versioned migration missing as well: both named.
            try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("DELETE FROM sluice_migrations WHERE name = 'migrations/0001_schema_meta.sql'")
                try conn.execute("UPDATE sluice_definitions SET checksum = 'other' WHERE name = 'functions/sluice_num.sql'")
            }
            let both = try await request(.GET, port: server.port, "/readyz")
            #expect(both.status == 503)
            #expect(both.json["error"] as? String == "migrations not applied: migrations/0001_schema_meta.sql; "
                    + "definitions not current: functions/sluice_num.sql; run `sluice migrate`", "\(both.body)")
        }
    }
}
