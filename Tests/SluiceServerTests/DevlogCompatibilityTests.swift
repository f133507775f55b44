import Foundation
import NIOHTTP1
import SluiceStore
import SluiceTestSupport
import Testing

/// devlog's Go collector (packages/collector) pointed at Sluice, unchanged.
@Suite struct DevlogCompatibilityTests {
    /// What `json.Marshal` of the collector's `types.AgentEvent` produces.
    func collectorEvent(_ i: Int) -> String {
        #"{"id":"\#(UUID().uuidString.lowercased())","timestamp":"2026-11-24T10:00:0\#(i % 10).123456789Z","eventType":"llm_request","agentId":"github-copilot","agentVersion":"1.0.0","sessionId":"6a1b2c3d-0000-4000-8000-00000000000\#(i % 10)","projectId":1,"machineId":3,"workspaceId":12,"legacyProjectId":"default","data":null,"metrics":{"tokenCount":120,"durationMs":450,"promptTokens":100,"responseTokens":20,"cost":0.0012}}"#
    }

    @Test func acceptsTheCollectorsBatchesAndHierarchyCalls() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            let headers = [("Content-Type", "application/json"), ("User-Agent", "devlog-collector/1.0")]

            #expect(try await request(.GET, port: server.port, "/api/health", headers: []).status == 200)
            let batch = try await post(port: server.port, path: "/api/events/batch", "[" + (0..<10).map(collectorEvent).joined(separator: ",") + "]", headers: headers)
            #expect(batch.status == 200, "\(batch.body)")
            let single = try await post(port: server.port, path: "/api/events", collectorEvent(3), headers: headers)
            #expect(single.status == 200, "\(single.body)")
            let row = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("""
                    SELECT count(*), min(context::text), min(data::text), min(metrics->>'durationMs'),
                           min(to_char("timestamp" AT TIME ZONE 'UTC', 'SS.US'))
                    FROM agent_events
                    """).rows[0]
            }
            #expect(row == ["11", #"{"machineId": 3, "workspaceId": 12}"#, "{}", "450", "00.123457"])

            let project = try await post(port: server.port, path: "/api/projects/resolve", #"{"repoUrl":"git@github.com:codervisor/devlog.git"}"#, headers: headers)
            #expect(project.status == 200)
            #expect(project.json["fullName"] as? String == "codervisor/devlog")
            #expect(project.json["repoOwner"] as? String == "codervisor" && project.json["repoName"] as? String == "devlog")
            let again = try await post(port: server.port, path: "/api/projects/resolve", #"{"repoUrl":"https://github.com/codervisor/devlog"}"#, headers: headers)
            #expect(again.json["id"] as? Int == project.json["id"] as? Int)
            let projectId = try #require(project.json["id"] as? Int)

            let machineJSON = #"{"machineId":"a1b2c3d4e5f60718-devbox-linux","hostname":"devbox","username":"dev","osType":"linux","osVersion":"6.1","machineType":"local","metadata":{"arch":"amd64","numCPU":8}}"#
            let machine = try await post(port: server.port, path: "/api/machines", machineJSON, headers: headers)
            #expect(machine.status == 200, "\(machine.body)")
            let machineId = try #require(machine.json["id"] as? Int)
            let fetched = try await request(.GET, port: server.port, "/api/machines/a1b2c3d4e5f60718-devbox-linux", headers: [])
            #expect(fetched.json["hostname"] as? String == "devbox")
            #expect((fetched.json["metadata"] as? [String: Any])?["numCPU"] as? Int == 8)
            #expect(try await request(.GET, port: server.port, "/api/machines/nope", headers: []).status == 404)

            let workspaceJSON = #"{"projectId":\#(projectId),"machineId":\#(machineId),"workspaceId":"5f2e0c6a9b1d","workspacePath":"/home/dev/devlog","workspaceType":"folder","branch":"main","createdAt":"0001-01-01T00:00:00Z","lastSeenAt":"0001-01-01T00:00:00Z"}"#
            let workspace = try await post(port: server.port, path: "/api/workspaces", workspaceJSON, headers: headers)
            #expect(workspace.status == 200, "\(workspace.body)")
            #expect(workspace.json["id"] as? Int != nil)
            let got = try await request(.GET, port: server.port, "/api/workspaces/5f2e0c6a9b1d", headers: [])
            #expect(got.json["projectId"] as? Int == projectId && got.json["machineId"] as? Int == machineId)
            let list = try await request(.GET, port: server.port, "/api/workspaces", headers: [])
            let items = (try? JSONSerialization.jsonObject(with: Data(list.body.utf8))) as? [[String: Any]]
            // The registered workspace, beside the explicit 'unknown:1' the projector made for the events above.
            #expect(items?.compactMap { $0["workspaceId"] as? String }.contains("5f2e0c6a9b1d") == true)
            #expect(try await request(.GET, port: server.port, "/api/workspaces/unknown", headers: []).status == 404)
        }
    }
}
