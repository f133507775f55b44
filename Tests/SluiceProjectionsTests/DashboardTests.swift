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

    /// Grafana's PostgreSQL macros and this dashboard's variables, for `from ..< to`.
    static func expand(_ sql: String, from: String, to: String, projects: [Int32], agent: String) -> String {
        var s = sql
        while let r = s.range(of: "$__timeFilter(") {
            let close = s[r.upperBound...].firstIndex(of: ")")!
            let column = s[r.upperBound..<close]
            s.replaceSubrange(r.lowerBound...close, with: "\(column) BETWEEN '\(from)' AND '\(to)'")
        }
        s = s.replacingOccurrences(of: "$__timeFrom()", with: "'\(from)'").replacingOccurrences(of: "$__timeTo()", with: "'\(to)'")
        s = s.replacingOccurrences(of: "${project:csv}", with: projects.map(String.init).joined(separator: ","))
        return s.replacingOccurrences(of: "${agent}", with: agent)
    }

    @Test func panelQueriesRunAndAgreeWithTheRawEvents() async throws {
        let panels = try Self.panels()
        #expect(panels.count >= 10)
        for p in panels {
            // Panels read projections, never a long raw scan of the log.
            #expect(p.sql.replacingOccurrences(of: "agent_events_hourly", with: "").contains("agent_events") == false, "\(p.title)")
        }
        let db = try await TestDatabase.fresh()
        let events = SessionProjectionTests.workload(sessions: 30, events: 4_000)
        let stream = HourlyProjectionTests.stream(events)
        let from = "2000-01-01T00:00:00Z", to = "2100-01-01T00:00:00Z"
        let results: [(String, QueryResult)] = try await TestDatabase.query(db) { conn throws(StoreError) in
            _ = try EventWriter.write(stream, on: conn)
            try catchUp(on: conn)
            return try panels.map { p throws(StoreError) in
                (p.title, try conn.execute(Self.expand(p.sql, from: from, to: to, projects: [1, 2, 3], agent: "*")))
            }
        }
        let byTitle = Dictionary(results, uniquingKeysWith: { a, _ in a })
        func total(_ title: String, _ column: String) -> Double {
            guard let r = byTitle[title], let c = r.columns.firstIndex(of: column) else { Issue.record("\(title): no column \(column)"); return -1 }
            return r.rows.reduce(0) { $0 + (Double($1[c] ?? "0") ?? 0) }
        }
        let raw = events.count
        let errors = events.filter { $0.eventType == "error_encountered" || $0.severity == .error || $0.severity == .critical }.count
        let tokensIn = events.reduce(0) { $0 + Int($1.metrics?.number("inputTokens") ?? 0) }
        let cost = events.reduce(0) { $0 + ($1.metrics?.number("cost") ?? 0) }
        #expect(Int(total("Events per hour by type", "value")) == raw)
        #expect(Int(total("Errors per hour", "errors")) == errors)
        #expect(Int(total("Tokens per hour", "tokens_in")) == tokensIn)
        #expect(abs(total("Cost per hour by agent (USD)", "value") - cost) < 1e-6)
        #expect(byTitle["Latency percentiles (ms)"]?.columns == ["time", "p50", "p95", "p99"])
        #expect(byTitle["Tool success rate"]?.columns == ["time", "success_rate"])
        #expect(Int(total("Finished sessions by outcome", "sessions")) == 30)  // all ≥ 2 h idle: ended
        #expect(byTitle["Active sessions"]?.rows == [["0"]])
        #expect(byTitle["Recent sessions"]?.rows.count == 30)
        #expect(byTitle["Average quality score"]?.rows.first?.first != nil)
        // A variable narrows the query: one agent that does not exist gives nothing.
        let none = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute(Self.expand(panels[0].sql, from: from, to: to, projects: [1, 2, 3], agent: "nobody")).rows.count
        }
        #expect(none == 0)
    }
}
