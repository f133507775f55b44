import Foundation
import NIOHTTP1
import SluiceStore
import SluiceTestSupport
import Testing

@Suite struct QueryAPITests {
    func get(_ port: Int, _ path: String, key: String? = nil) async throws -> HTTPResult {
        try await request(.GET, port: port, path, headers: key.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }

    @Test func sessionsTimelinesAndHourlyMetrics() async throws {
        let db = try await TestDatabase.fresh()
        let (keyA, admin) = try await TestDatabase.query(db) { conn throws(StoreError) in
            (try APIKeys.create(name: "a", projectName: "acme/a", admin: false, on: conn),
             try APIKeys.create(name: "root", projectName: nil, admin: true, on: conn))
        }
        let projectA = Int(keyA.record.projectId!)
        try await TestServer.with(databaseURL: db) { server in
            let base = Date().addingTimeInterval(-7200)
            let sessions = (0..<5).map { _ in UUID().uuidString.lowercased() }
            var events: [String] = []
            for (i, s) in sessions.enumerated() {
                let project = i < 3 ? projectA : projectA + 1000
                for j in 0..<12 {
                    events.append(Events.json(at: base.addingTimeInterval(Double(i * 60 + j)), project: project,
                                              #""sessionId":"\#(s)","eventType":"\#(j % 3 == 0 ? "llm_request" : "tool_use")","metrics":{"durationMs":\#(j * 100),"inputTokens":10}"#))
                }
            }
            let posted = try await post(port: server.port, Events.array(events), headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(admin.key)")])
            #expect(posted.status == 200)
            // Wait for the projector.
            for _ in 0..<600 {
                let r = try await get(server.port, "/v1/sessions?limit=100", key: admin.key)
                if (r.json["items"] as? [Any])?.count == 5 { break }
                try await Task.sleep(for: .milliseconds(50))
            }

            // Paging newest first, one at a time, with the cursor: every session once.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let r = try await get(server.port, "/v1/sessions?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), key: admin.key)
                #expect(r.status == 200)
                seen += (r.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = r.json["next"] as? String
            } while cursor != nil
            #expect(seen == sessions.reversed())

            let one = try await get(server.port, "/v1/sessions/\(sessions[0])", key: admin.key)
            #expect((one.json["metrics"] as? [String: Any])?["events"] as? Int == 12)
            #expect((one.json["metrics"] as? [String: Any])?["llmRequests"] as? Int == 4)

            var timeline: [String] = []
            cursor = nil
            repeat {
                let r = try await get(server.port, "/v1/sessions/\(sessions[1])/events?limit=5" + (cursor.map { "&cursor=\($0)" } ?? ""), key: admin.key)
                timeline += (r.json["items"] as? [[String: Any]] ?? []).compactMap { $0["timestamp"] as? String }
                cursor = r.json["next"] as? String
            } while cursor != nil
            #expect(timeline.count == 12 && timeline == timeline.sorted())
            let fromFifth = try await get(server.port, "/v1/sessions/\(sessions[1])/events?limit=100&from=\(timeline[4].replacingOccurrences(of: "+", with: "%2B"))", key: admin.key)
            #expect((fromFifth.json["items"] as? [[String: Any]] ?? []).compactMap { $0["timestamp"] as? String } == Array(timeline[4...]))

            // The costliest sessions first, one page.
            let costly = try await get(server.port, "/v1/sessions?order=cost&limit=3", key: admin.key)
            #expect(costly.status == 200 && costly.json["next"] is NSNull)
            #expect(try await get(server.port, "/v1/sessions?order=cost&cursor=x", key: admin.key).status == 400)
            #expect(try await get(server.port, "/v1/sessions?order=price", key: admin.key).status == 400)

            let hourly = try await get(server.port, "/v1/metrics/hourly?group_by=event_type", key: admin.key)
            let series = hourly.json["series"] as? [[String: Any]] ?? []
            let byType = Dictionary(grouping: series, by: { $0["group"] as? String ?? "" }).mapValues { $0.reduce(0) { $0 + ($1["events"] as? Int ?? 0) } }
            #expect(byType == ["llm_request": 20, "tool_use": 40])
            #expect(series.allSatisfy { $0["p95Ms"] != nil })
            let daily = try await get(server.port, "/v1/metrics/daily?group_by=event_type", key: admin.key)
            let days = daily.json["series"] as? [[String: Any]] ?? []
            let dailyByType = Dictionary(grouping: days, by: { $0["group"] as? String ?? "" }).mapValues { $0.reduce(0) { $0 + ($1["events"] as? Int ?? 0) } }
            #expect(dailyByType == byType && days.count <= series.count)
            #expect(days.allSatisfy { ($0["bucket"] as? String ?? "").contains("T00:00:00") && $0["p95Ms"] != nil })

            let tools = try await get(server.port, "/v1/tools", key: admin.key)
            let toolRows = tools.json["tools"] as? [[String: Any]] ?? []
            #expect(toolRows.count == 1 && toolRows.first?["uses"] as? Int == 40 && toolRows.first?["p95Ms"] != nil)
            let costs = try await get(server.port, "/v1/costs?group_by=project", key: admin.key)
            let costRows = costs.json["costs"] as? [[String: Any]] ?? []
            #expect(costRows.reduce(0) { $0 + ($1["tokensIn"] as? Int ?? 0) } == 600)
            #expect(try await get(server.port, "/v1/costs?group_by=weather", key: admin.key).status == 400)

            // A project key sees its own project only.
            let own = try await get(server.port, "/v1/sessions", key: keyA.key)
            #expect((own.json["items"] as? [Any])?.count == 3)
            #expect(try await get(server.port, "/v1/sessions?project=\(projectA + 1000)", key: keyA.key).status == 403)
            #expect(try await get(server.port, "/v1/sessions/\(sessions[4])", key: keyA.key).status == 404)
            #expect(try await get(server.port, "/v1/sessions").status == 401)
            #expect(try await get(server.port, "/v1/sessions?from=yesterday", key: admin.key).status == 400)
            #expect(try await get(server.port, "/v1/metrics/hourly?group_by=color", key: admin.key).status == 400)
            #expect(try await get(server.port, "/v1/metrics/daily?group_by=color", key: admin.key).status == 400)
        }
    }
}
