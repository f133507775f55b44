import Foundation
import NIOHTTP1
import SluiceProcess
import SluiceStore
import SluiceTestSupport
import Testing

/// `GET /metrics` exposes what `GET /v1/status` reports of each projector part, in a text format
/// that Prometheus's own checker accepts, beside the process's counters.
@Suite struct MetricsEndpointTests {
    /// The samples of the exposition, `name{labels}` → value.
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            out[String(line[..<space])] = value
        }
        return out
    }

    @Test func projectorStateAndIngestCountersAreExposed() async throws {
        let db = try await TestDatabase.fresh()
        // An event the session fold cannot take (stored past validation): that part sets it aside.
        _ = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("""
                INSERT INTO agent_events (id, "timestamp", event_type, agent_id, agent_version, session_id, project_id, context, data)
                VALUES (gen_random_uuid(), '0100-01-01 00:00:00+00 BC', 'session_start', 'claude-code', '1', gen_random_uuid(), 1, '{}', '{}')
                """)
        }
        try await TestServer.with(databaseURL: db) { server in
            let r = try await post(port: server.port, Events.array((0..<10).map { _ in Events.json() }))
            #expect(r.status == 200)

            var parts: [[String: Any]] = []
            let deadline = Date().addingTimeInterval(60)
            repeat {
                try await Task.sleep(for: .milliseconds(200))
                parts = (try await request(.GET, port: server.port, "/v1/status").json["projector"] as? [String: Any])?["parts"] as? [[String: Any]] ?? []
            } while Date() < deadline && !(parts.count == 3 && parts.allSatisfy { ($0["eventsBehind"] as? Int) == 0 })
            let metrics = try await request(.GET, port: server.port, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["Content-Type"].first?.hasPrefix("text/plain; version=0.0.4") == true)
            let samples = Self.samples(metrics.body)
            #expect(samples["sluice_up"] == 1)
            #expect(parts.count == 3)
            for part in parts {
                let name = part["part"] as? String ?? "?"
                #expect(samples["sluice_projector_events_behind{part=\"\(name)\"}"] == 0, "\(name)")
                #expect(samples["sluice_projector_dead_letters{part=\"\(name)\"}"] == Double(part["deadLetters"] as? Int ?? -1), "\(name)")
                #expect(samples["sluice_projector_failures{part=\"\(name)\"}"] == Double(part["failures"] as? Int ?? -1), "\(name)")
                #expect(samples["sluice_projector_lag_seconds{part=\"\(name)\"}"] == 0, "\(name)")
                #expect(samples["sluice_projector_step_seconds{part=\"\(name)\"}"] != nil, "\(name)")
            }
            #expect(parts.map { $0["deadLetters"] as? Int ?? 0 }.reduce(0, +) == 1, "the BC event is set aside by one part: \(parts)")
            #expect(samples["sluice_events_stored_total{project=\"1\"}"].map { $0 >= 10 } == true, "\(samples.keys.sorted())")
            #expect(samples.keys.contains { $0.hasPrefix("sluice_build_info{version=") })

            // Prometheus's own checker reads it.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
            try Data(metrics.body.utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let check = try await runTool(["promtool", "check", "metrics"], input: .file(file.path), check: false)
            #expect(check.status == 0, "\(check.output)")
        }
    }

    /// Stored and duplicate events are counted by project, exactly, on each path of the writer: a
    /// direct copy, the staging table (duplicates), and a batch the database refuses a row of, which
    /// isolation splits. The project is this test's alone: the counters are the process's, shared
    /// with the other in-process servers of the test run.
    @Test func storedAndDuplicateEventsAreCountedByProject() async throws {
        let db = try await TestDatabase.fresh()
        let project = 4242, label = "{project=\"4242\"}"
        let events = (0..<10).map { _ in Events.json(project: project) }
        try await TestServer.with(databaseURL: db) { server in
            func counters() async throws -> (stored: Double?, duplicates: Double?, refused: Double?) {
                let samples = Self.samples(try await request(.GET, port: server.port, "/metrics").body)
                return (samples["sluice_events_stored_total\(label)"], samples["sluice_events_duplicates_total\(label)"],
                        samples["sluice_events_rejected_total{project=\"4242\",reason=\"refused_by_database\",field=\"\"}"])
            }
            #expect(try await post(port: server.port, Events.array(events)).status == 200)
            var now = try await counters()
            #expect(now.stored == 10 && now.duplicates == nil, "\(now)")

            #expect(try await post(port: server.port, Events.array(Array(events.prefix(4)) + [Events.json(project: project)])).status == 200)
            now = try await counters()
            #expect(now.stored == 11 && now.duplicates == 4, "\(now)")

            _ = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("ALTER TABLE agent_events ADD CONSTRAINT test_poison CHECK (agent_id <> 'poison')")
            }
            let refused = try await post(port: server.port, Events.array(
                [events[0], Events.json(project: project, #""agentId":"poison""#), Events.json(project: project)]))
            #expect(refused.status == 207, "\(refused.body)")
            now = try await counters()
            #expect(now.stored == 12 && now.duplicates == 5 && now.refused == 1, "\(now)")
        }
        let rows = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("SELECT count(*) FROM agent_events WHERE project_id = 4242").scalar(Int.self)
        }
        #expect(rows == 12)
    }
}
