import Foundation
import NIOHTTP1
import SluiceCore
import SluiceServer
import SluiceStore
import SluiceTestSupport
import Testing

/// Secrets are replaced before events are stored, on the HTTP routes (OTLP takes the same path; ImportRedactionTests covers imports), and the
/// same event sent again is still stored once.
@Suite struct RedactionIngestTests {
    static let token = "ghp_R2d2C3poL8ke5Hn9Yoda4Vad3rK1n0b1Wan1"
    static let id = UUID(uuidString: "0190c1a0-0000-7000-8000-00000000abcd")!

    static func stored(_ db: String) async throws -> [[String?]] {
        try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("SELECT data::text, context::text FROM agent_events ORDER BY id").rows
        }
    }

    @Test func anEventPostedTwiceIsRedactedAndStoredOnce() async throws {
        let db = try await TestDatabase.fresh()
        let event = Events.json(id: Self.id).replacingOccurrences(
            of: #""data":{"toolName":"Bash","command":"swift test"}"#,
            with: #""data":{"toolName":"Bash","command":"export GITHUB_TOKEN=\#(Self.token) && gh pr list","apiKey":"k-123"}"#)
        let metrics = try await TestServer.with(databaseURL: db) { server in
            for _ in 0..<2 {
                let r = try await post(port: server.port, Events.array([event]))
                #expect(r.status == 200, "\(r.body)")
            }
            return try await request(.GET, port: server.port, "/metrics").body
        }
        let rows = try await Self.stored(db)
        #expect(rows.count == 1)
        let data = rows.first?[0] ?? ""
        #expect(!data.contains(Self.token))
        #expect(data.contains("export GITHUB_TOKEN=[REDACTED:github-token] && gh pr list"), "\(data)")
        #expect(data.contains(#""apiKey": "[REDACTED:credential-field]""#), "\(data)")
        #expect(metrics.contains(#"sluice_redactions_total{rule="github-token"}"#))
    }

    @Test func withRedactionOffTheEventIsStoredAsSent() async throws {
        let db = try await TestDatabase.fresh()
        var configuration = ServerConfiguration(port: 0)
        configuration.redactor = .disabled
        let event = Events.json(id: Self.id).replacingOccurrences(of: #""command":"swift test""#, with: #""command":"\#(Self.token)""#)
        let status = try await TestServer.with(databaseURL: db, configuration: configuration) { server in
            try await post(port: server.port, Events.array([event])).status
        }
        #expect(status == 200)
        #expect(try await Self.stored(db).first?[0]?.contains(Self.token) == true)
    }
}
