import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// Every panel query of dashboards/*.json, with Grafana's macros expanded as Grafana does for a
/// fixed range, runs against generated data and agrees with the raw events.
@Suite struct DashboardTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("dashboards")

    struct Panel { var title: String; var sql: String }

    static func panels() throws -> [Panel] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        var out: [Panel] = []
        for file in files {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(file))) as? [String: Any]
            for panel in json?["panels"] as? [[String: Any]] ?? [] {
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    if let sql = target["rawSql"] as? String { out.append(Panel(title: panel["title"] as? String ?? "?", sql: sql)) }
                }
            }
        }
        return out
    }

    /// Grafana's PostgreSQL macros and this dashboard's variables, for `from ..< to`. `projects`
    /// nil is "All" (the variable's all value, `*`); otherwise Grafana's `csv` format of the ids.
    static func expand(_ sql: String, from: String, to: String, projects: [Int32]?, agent: String) -> String {
        var s = sql
        while let r = s.range(of: "$__timeFilter(") {
            let close = s[r.upperBound...].firstIndex(of: ")")!
            let column = s[r.upperBound..<close]
            s.replaceSubrange(r.lowerBound...close, with: "\(column) BETWEEN '\(from)' AND '\(to)'")
        }
        s = s.replacingOccurrences(of: "$__timeFrom()", with: "'\(from)'").replacingOccurrences(of: "$__timeTo()", with: "'\(to)'")
        s = s.replacingOccurrences(of: "${project:csv}", with: projects.map { $0.map(String.init).joined(separator: ",") } ?? "*")
        return s.replacingOccurrences(of: "${agent}", with: agent)
    }

    @Test func panelQueriesRunAndAgreeWithTheRawEvents() async throws {
        let panels = try Self.panels()
        #expect(panels.count >= 10)
        // Panels read projections, never a long raw scan of the log: sessions, or the rollups
        // through sluice_rollup, whose definition reads rollup tables only.
        func readsTheLog(_ sql: String) -> Bool {
            ["agent_events_hourly", "agent_events_daily"].reduce(sql) { $0.replacingOccurrences(of: $1, with: "") }.contains("agent_events")
        }
        for p in panels { #expect(!readsTheLog(p.sql), "\(p.title)") }
        #expect(panels.filter { $0.sql.contains("sluice_rollup") }.count == 6)
        let db = try await TestDatabase.fresh()
        let definitions = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("SELECT proname, prosrc FROM pg_proc WHERE proname IN ('sluice_rollup', 'sluice_rollup_latency', 'sluice_in_projects')").rows
        }
        #expect(definitions.count == 3)
        for d in definitions { #expect(!readsTheLog(d[1] ?? "agent_events"), "\(d[0] ?? "?")") }
        let seed = SeededGenerator.testSeed()
        let events = SessionProjectionTests.workload(sessions: 30, events: 4_000, seed: seed)
        let stream = HourlyProjectionTests.stream(events)
        // A long range reads the daily rollups; consecutive ranges of just under 3 days read the
        // hourly rows. Both must add up to the raw events.
        let from = "2000-01-01T00:00:00Z", to = "2100-01-01T00:00:00Z"
        let first = (events.map(\.timestamp.microsecondsSinceEpoch).min()! / 3_600_000_000) * 3_600_000_000
        let windows = stride(from: first, through: events.map(\.timestamp.microsecondsSinceEpoch).max()!, by: 3 * 86_400_000_000).map {
            (Timestamp(microsecondsSinceEpoch: $0).rfc3339, Timestamp(microsecondsSinceEpoch: $0 + 3 * 86_400_000_000 - 1_000_000).rfc3339)
        }
        let (results, short): ([(String, QueryResult)], [(String, QueryResult)]) = try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(stream, on: conn)
            try catchUp(on: conn)
            // "All" reads the all-projects rollups; the list of every project reads the per-project
            // ones: both give the same answers.
            var long: [(String, QueryResult)] = []
            var short: [(String, QueryResult)] = []
            for projects in [nil, [1, 2, 3] as [Int32]] {
                for p in panels { long.append((p.title, try conn.execute(Self.expand(p.sql, from: from, to: to, projects: projects, agent: "*")))) }
                for (a, b) in windows {
                    for p in panels { short.append((p.title, try conn.execute(Self.expand(p.sql, from: a, to: b, projects: projects, agent: "*")))) }
                }
            }
            return (long, short)
        }
        let byTitle = Dictionary(results, uniquingKeysWith: { a, _ in a })
        // "All" and the list of every project answer alike, row for row.
        for r in [results, short] {
            let half = r.count / 2
            for (a, b) in zip(r[..<half], r[half...]) { #expect(a.1.rows == b.1.rows, "\(a.0)") }
        }
        func total(_ title: String, _ column: String, in results: [(String, QueryResult)]) -> Double {
            results.filter { $0.0 == title }.reduce(0) { sum, r in
                guard let c = r.1.columns.firstIndex(of: column) else { Issue.record("\(title): no column \(column)"); return -1 }
                return sum + r.1.rows.reduce(0) { $0 + (Double($1[c] ?? "0") ?? 0) }
            }
        }
        func total(_ title: String, _ column: String) -> Double { total(title, column, in: results) }
        // Each total was summed over both variants of the project variable.
        let raw = events.count * 2
        let errors = 2 * events.filter { $0.eventType == "error_encountered" || $0.severity == .error || $0.severity == .critical }.count
        let tokensIn = 2 * events.reduce(0) { $0 + Int($1.metrics?.number("inputTokens") ?? 0) }
        let cost = 2 * events.reduce(0) { $0 + ($1.metrics?.number("cost") ?? 0) }
        for (label, r) in [("daily", results), ("hourly", short)] {
            #expect(Int(total("Events by type", "value", in: r)) == raw, "seed \(seed): \(label)")
            #expect(Int(total("Errors", "errors", in: r)) == errors, "seed \(seed): \(label)")
            #expect(Int(total("Tokens", "tokens_in", in: r)) == tokensIn, "seed \(seed): \(label)")
            #expect(abs(total("Cost by agent (USD)", "value", in: r) - cost) < 1e-6, "seed \(seed): \(label)")
        }
        // Hourly buckets for the short ranges, day buckets for the long one.
        #expect(short.filter { $0.0 == "Events by type" }.map(\.1.rows.count).reduce(0, +) > byTitle["Events by type"]!.rows.count)
        #expect(byTitle["Events by type"]!.rows.allSatisfy { ($0[0] ?? "").contains("00:00:00") })
        #expect(byTitle["Latency percentiles (ms)"]?.columns == ["time", "p50", "p95", "p99"])
        #expect(byTitle["Tool success rate"]?.columns == ["time", "success_rate"])
        #expect(Int(total("Finished sessions by outcome", "sessions")) == 2 * 30)  // all ≥ 2 h idle: ended
        #expect(byTitle["Active sessions"]?.rows == [["0"]])
        #expect(byTitle["Recent sessions"]?.rows.count == 30)
        #expect(byTitle["Average quality score"]?.rows.first?.first != nil)
        // A variable narrows the query: one agent that does not exist gives nothing; one project
        // gives that project's events, over a long range and over the short ones alike.
        let eventsPanel = try #require(panels.first { $0.title == "Events by type" })
        let events2 = events.filter { $0.projectId == 2 }.count
        let narrowed = try await TestDatabase.query(db) { conn throws(StoreError) in
            let none = try conn.execute(Self.expand(eventsPanel.sql, from: from, to: to, projects: nil, agent: "nobody")).rows.count
            let long = try conn.execute(Self.expand(eventsPanel.sql, from: from, to: to, projects: [2], agent: "claude-code"))
            let short = try windows.map { (a, b) throws(StoreError) in
                (eventsPanel.title, try conn.execute(Self.expand(eventsPanel.sql, from: a, to: b, projects: [2], agent: "*")))
            }
            return (none, long, short)
        }
        #expect(narrowed.0 == 0)
        #expect(events2 > 0 && events2 < events.count)
        #expect(Int(total(eventsPanel.title, "value", in: [(eventsPanel.title, narrowed.1)])) == events2)
        #expect(Int(total(eventsPanel.title, "value", in: narrowed.2)) == events2)
    }
}
