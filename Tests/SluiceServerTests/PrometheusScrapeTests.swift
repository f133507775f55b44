import Foundation
import NIOCore
import NIOHTTP1
import SluiceProcess
import SluiceStore
import SluiceTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus (Debian's package) scrapes a `sluice serve` child process every second, with
/// the alert rules of dashboards/prometheus loaded; its query API then reports what the database
/// holds, and every query of the pipeline dashboard is valid PromQL over those series.
@Suite struct PrometheusScrapeTests {
    static let dashboards = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("dashboards")

    @Test func prometheusSeesWhatTheDatabaseHolds() async throws {
        let db = try await TestDatabase.fresh()
        // Its own process: the counters are those of this server alone, not of every in-process
        // test server of this test run.
        let server = try await ServeProcess(databaseURL: db)
        defer { server.signal(SIGKILL) }
        let prometheus = try await PrometheusProcess.start(target: server.port,
                                                           rules: Self.dashboards.appendingPathComponent("prometheus/sluice-alerts.yml").path)
        defer { prometheus.stop() }

        // 40 events (30 of project 1, 10 of project 2), 10 of them sent twice (5 of each); 3
        // invalid ones (a number numeric cannot hold, a year-0 instant, no type) beside 2 good ones.
        let events = (0..<40).map { i in Events.json(id: UUID(), project: i < 30 ? 1 : 2) }
        #expect(try await post(port: server.port, Events.array(events)).status == 200)
        #expect(try await post(port: server.port, Events.array(Array(events[25..<35]))).status == 200)
        let invalid = [
            Events.json(id: UUID()).replacingOccurrences(of: #""data":{"#, with: #""data":{"n":1e1000000,"#),
            Events.json(id: UUID()).replacingOccurrences(of: #""timestamp":"[^"]*""#, with: #""timestamp":"0001-01-01T00:00:00+14:00""#,
                                                        options: .regularExpression),
            Events.json(id: UUID()).replacingOccurrences(of: #""eventType":"tool_use","#, with: ""),
        ]
        let mixed = try await post(port: server.port, Events.array(invalid + [Events.json(id: UUID()), Events.json(id: UUID())]))
        #expect(mixed.status == 207, "\(mixed.body)")
        let rejected = mixed.results.filter { ($0["status"] as? String) == "rejected" }.count
        #expect(rejected == 3, "\(mixed.body)")

        let rows = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self).flatMap { Double($0) } ?? -1
        }
        #expect(rows == 42)

        // Prometheus scrapes every second; wait for a scrape that saw all of it.
        let deadline = ContinuousClock.now + .seconds(90)
        var stored: Double?
        while ContinuousClock.now < deadline {
            stored = try await prometheus.value(#"sum(sluice_events_stored_total{job="sluice"})"#)
            if stored == rows { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(stored == rows, "\(server.log)")
        #expect(try await prometheus.value(#"sluice_events_stored_total{project="1"}"#) == 32)
        #expect(try await prometheus.value(#"sluice_events_stored_total{project="2"}"#) == 10)
        #expect(try await prometheus.value(#"sum(sluice_events_duplicates_total)"#) == 10)
        #expect(try await prometheus.value(#"sluice_events_duplicates_total{project="1"}"#) == 5)
        #expect(try await prometheus.value(#"sluice_events_duplicates_total{project="2"}"#) == 5)
        #expect(try await prometheus.value(#"sum(sluice_events_received_total{project="1"})"#) == 37)
        #expect(try await prometheus.value(#"sum(sluice_events_received_total{project="2"})"#) == 15)
        #expect(try await prometheus.value(#"sum(sluice_events_received_total{project="unknown"})"#) == 3)
        #expect(try await prometheus.value(#"sum(sluice_events_rejected_total{reason="invalid"})"#) == Double(rejected))
        #expect(try await prometheus.value(#"sum(sluice_http_requests_total{route="/v1/events", method="POST"})"#) == 3)
        #expect(try await prometheus.value(#"sluice_http_requests_total{route="/v1/events", status="207"}"#) == 1)
        #expect(try await prometheus.value(#"sluice_up"#) == 1)
        #expect(try await prometheus.value(#"count(sluice_projector_lag_seconds)"#) == 3)
        #expect(try await prometheus.value(#"count(sluice_build_info{mode="\#(TestDatabase.mode.rawValue)", postgresql=~"1[5-9].*"})"#) == 1)
        #expect(try await prometheus.value(#"sum(sluice_db_pool_connections)"#).map { $0 >= 2 } == true)
        #expect(try await prometheus.value(#"sluice_ingest_batch_events_count"#).map { $0 >= 3 } == true)

        // The alert rules are loaded and evaluate; none fires on this healthy server.
        let rules = try await prometheus.get("/api/v1/rules")
        let groups = ((rules["data"] as? [String: Any])?["groups"] as? [[String: Any]]) ?? []
        let loaded = groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
        #expect(loaded.count == 12, "\(rules)")
        for rule in loaded { #expect(rule["health"] as? String != "err", "\(rule)") }
        let alerts = (try await prometheus.get("/api/v1/alerts")["data"] as? [String: Any])?["alerts"] as? [[String: Any]] ?? []
        #expect(alerts.filter { ($0["state"] as? String) == "firing" }.isEmpty, "\(alerts)")

        // Every query of the pipeline dashboard is valid PromQL over these series; the lag panel
        // shows the three parts.
        let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.dashboards.appendingPathComponent("sluice-pipeline.json"))) as? [String: Any]
        var queries = 0
        for panel in dashboard?["panels"] as? [[String: Any]] ?? [] {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                guard let expr = target["expr"] as? String else { continue }
                let query = expr.replacingOccurrences(of: "$__rate_interval", with: "1m").replacingOccurrences(of: "$instance", with: ".*")
                let answer = try await prometheus.get("/api/v1/query?query=" + PrometheusProcess.encode(query))
                #expect(answer["status"] as? String == "success", "\(panel["title"] ?? "?"): \(answer)")
                queries += 1
                if panel["title"] as? String == "Lag by part" {
                    #expect(((answer["data"] as? [String: Any])?["result"] as? [Any])?.count == 3, "\(answer)")
                }
            }
        }
        #expect(queries >= 30)
    }

    @Test func alertRulesAreValidAndFireOnTheirUnitTests() async throws {
        let directory = Self.dashboards.appendingPathComponent("prometheus").path
        let check = try await runTool(["promtool", "check", "rules", "\(directory)/sluice-alerts.yml"], check: false)
        #expect(check.status == 0, "\(check.output)")
        let unit = try await runTool(["promtool", "test", "rules", "\(directory)/sluice-alerts.test.yml"], check: false)
        #expect(unit.status == 0, "\(unit.output)")
    }
}

/// A Prometheus server on a free loopback port, scraping one target every second.
struct PrometheusProcess: Sendable {
    let port: Int
    let child: ChildProcess
    let directory: URL

    static func start(target: Int, rules: String) async throws -> PrometheusProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            rule_files: ["\(rules)"]
            scrape_configs:
              - job_name: sluice
                static_configs: [{targets: ["127.0.0.1:\(target)"]}]
            """.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let port = try LoopbackPort.free()
        let child = try ChildProcess.spawn(
            ["prometheus", "--config.file=\(directory.path)/prometheus.yml", "--storage.tsdb.path=\(directory.path)/data",
             "--web.listen-address=127.0.0.1:\(port)"],
            output: .file(directory.appendingPathComponent("prometheus.log").path))
        let process = PrometheusProcess(port: port, child: child, directory: directory)
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? await request(.GET, port: port, "/-/ready", timeout: .seconds(2)).status) != 200 {
            guard ContinuousClock.now < deadline, !child.hasExited else {
                process.stop()
                throw TestFailure("prometheus is not ready: \(process.log)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return process
    }

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("prometheus.log"), encoding: .utf8)) ?? "" }

    func stop() {
        child.signal(SIGKILL)
        try? FileManager.default.removeItem(at: directory)
    }

    /// The answer of an API path, as JSON.
    func get(_ path: String) async throws -> [String: Any] {
        try await request(.GET, port: port, path).json
    }

    /// An instant query's single value; nil when it has no sample.
    func value(_ query: String) async throws -> Double? {
        let answer = try await get("/api/v1/query?query=" + Self.encode(query))
        guard let result = (answer["data"] as? [String: Any])?["result"] as? [[String: Any]], result.count == 1,
              let value = result[0]["value"] as? [Any], value.count == 2, let text = value[1] as? String else { return nil }
        return Double(text)
    }

    static func encode(_ query: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return query.addingPercentEncoding(withAllowedCharacters: allowed) ?? query
    }
}
