import Foundation
import NIOHTTP1
import SluiceServer
import SluiceStore
import SluiceTestSupport
import Testing

@Suite struct AuthTests {
    @Test func keysAreRequiredOnceOneExistsAndBindEventsToTheirProject() async throws {
        let db = try await TestDatabase.fresh()
        let (keyA, keyB, admin) = try await TestDatabase.query(db) { conn throws(StoreError) in
            (try APIKeys.create(name: "a", projectName: "acme/alpha", admin: false, on: conn),
             try APIKeys.create(name: "b", projectName: "acme/beta", admin: false, on: conn),
             try APIKeys.create(name: "root", projectName: nil, admin: true, on: conn))
        }
        let projectA = try #require(keyA.record.projectId), projectB = try #require(keyB.record.projectId)
        #expect(projectA != projectB)
        try await TestServer.with(databaseURL: db) { server in
            func auth(_ key: String) -> [(String, String)] { [("Content-Type", "application/json"), ("Authorization", "Bearer \(key)")] }

            let noKey = try await post(port: server.port, Events.array([Events.json(project: Int(projectA))]))
            #expect(noKey.status == 401)
            #expect(noKey.body.contains("Authorization: Bearer"))
            #expect(try await post(port: server.port, Events.array([Events.json()]), headers: auth("slc_wrong")).status == 401)
            #expect(try await request(.GET, port: server.port, "/api/workspaces", headers: []).status == 401)

            let mixed = Events.array([
                Events.json(project: Int(projectA)), Events.json(project: Int(projectB)),
                Events.json(#""projectId":null"#),  // takes the key's project
            ])
            let r = try await post(port: server.port, mixed, headers: auth(keyA.key))
            #expect(r.status == 207)
            #expect(r.results.map { $0["status"] as? String } == ["stored", "rejected", "stored"])
            #expect((r.results[1]["error"] as? String)?.hasPrefix("projectId: this API key may not write events of project") == true)

            let adminPost = try await post(port: server.port, Events.array([Events.json(project: Int(projectB))]), headers: auth(admin.key))
            #expect(adminPost.status == 200)

            let revoked = try await TestDatabase.query(db) { conn throws(StoreError) in try APIKeys.revoke(id: keyB.record.id, on: conn) }
            #expect(revoked)
            let stored = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("SELECT project_id, count(*) FROM agent_events GROUP BY 1 ORDER BY 1").rows
            }
            #expect(stored == [[String(projectA), "2"], [String(projectB), "1"]])
        }
    }

    @Test func keysAreStoredOnlyAsHashes() async throws {
        let db = try await TestDatabase.fresh()
        let created = try await TestDatabase.query(db) { conn throws(StoreError) in
            try APIKeys.create(name: "k", projectName: "p", admin: false, on: conn)
        }
        #expect(created.key.hasPrefix("slc_") && created.key.count == 47)
        let dump = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("SELECT row_to_json(k)::text FROM api_keys k").scalar(String.self) ?? ""
        }
        #expect(!dump.contains(created.key))
        let found = try await TestDatabase.query(db) { conn throws(StoreError) in try APIKeys.find(created.key, on: conn) }
        #expect(found == created.record)
    }
}
