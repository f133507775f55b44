import Foundation
import NIOHTTP1
import SluiceProcess
import SluiceStore
import SluiceTestSupport
import Testing

/// `serve` with `SLUICE_RETENTION_INTERVAL_S` archives and drops old days by itself, and keeps
/// taking events while it does.
@Suite struct RetentionScheduleTests {
    @Test func serveArchivesAndDropsOldDaysOnItsSchedule() async throws {
        let db = try await TestDatabase.fresh()
        let archive = FileManager.default.temporaryDirectory.appendingPathComponent("serve-archive-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: archive) }
        let server = try await ServeProcess(databaseURL: db, environment: [
            "SLUICE_RETENTION_INTERVAL_S": "1", "SLUICE_ARCHIVE_DIR": archive.path, "SLUICE_RETENTION_DAYS": "30",
        ])
        defer { server.signal(SIGKILL) }
        let old = Date().addingTimeInterval(-40 * 86_400)
        let body = Events.array((0..<200).map { i in Events.json(at: old.addingTimeInterval(Double(i))) })
        #expect(try await post(port: server.port, body).status == 200)

        let deadline = ContinuousClock.now + .seconds(60)
        var dropped = "0"
        while dropped == "0" && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            dropped = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("SELECT count(*) FROM sluice_retention_log WHERE action = 'dropped' AND rows = 200").scalar(String.self) ?? "0"
            }
        }
        #expect(dropped == "1", "\(server.log)")
        let left = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self)
        }
        #expect(left == "0")
        let files = FileManager.default.enumerator(atPath: archive.path)?.allObjects as? [String] ?? []
        #expect(files.filter { $0.hasSuffix(".pgcopy.lz4") }.count == 1)
        #expect(try await post(port: server.port, Events.array([Events.json()])).status == 200)
        // /metrics says so, read from the catalog and the retention log.
        let metrics = try await request(.GET, port: server.port, "/metrics").body
        for line in ["sluice_archive_parts 1", "sluice_retention_drops_total 1", "sluice_archive_day_backlog 0", "sluice_retention_day_backlog 0"] {
            #expect(metrics.contains("\n\(line)\n"), "\(line)")
        }
        server.signal(SIGTERM)
        #expect(try await server.wait() == .exited(0))
    }
}
