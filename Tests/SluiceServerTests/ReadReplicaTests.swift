import Foundation
import Logging
import NIOHTTP1
import NIOPosix
import SluiceCore
import SluiceProcess
import SluiceStore
import SluiceTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `SLUICE_READ_DATABASE_URL`: the query API reads from a real streaming replica
/// (`pg_basebackup -R` of a private primary, a second cluster), everything else uses the
/// primary, and reads fall back to the primary while the replica is down.
@Suite struct ReadReplicaTests {
    @Test func queriesReadTheStandbyAndFallBackToThePrimaryWhenItIsDown() async throws {
        let primary = try await TestDatabase.privateCluster()
        let replicaDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-replica-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: replicaDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer {
            primary.stop()
            try? FileManager.default.removeItem(at: primary.directory)
            try? FileManager.default.removeItem(at: replicaDirectory)
        }
        // The server migrates the primary; the standby is cloned once the schema is there.
        let server = try await ServeProcess(databaseURL: primary.url, environment: ["SLUICE_PROJECTION_INTERVAL_MS": "20"])
        try await server.stopAfter {
            let replica = try EmbeddedCluster(directory: replicaDirectory, logger: Logger(label: "test.replica"))
            try await runTool([try EmbeddedCluster.programPath("pg_basebackup"), "-D", replica.dataDirectory.path, "-R", "-X", "stream", "--checkpoint=fast",
                               "-d", primary.url(database: "postgres")])
            try await NIOThreadPool.singleton.runIfActive { _ = try replica.start() }
            defer { replica.stop() }
            let inRecovery = try await TestDatabase.query(replica.url) { conn throws(StoreError) in
                try conn.execute("SELECT pg_is_in_recovery()").value(Bool.self)
            }
            #expect(inRecovery, "the second cluster is a standby")

            // A server whose reads go to the standby (this one writes and projects on the primary too).
            let reader = try await ServeProcess(databaseURL: primary.url, environment: [
                "SLUICE_READ_DATABASE_URL": replica.url, "SLUICE_PROJECTION_INTERVAL_MS": "20",
            ])
            try await reader.stopAfter {
                let first = TwoProcessesTests.workload(sessions: 2, events: 80)
                #expect(try await post(port: reader.port, Events.array(first.map(\.1))).status == 200)
                // Within replication lag plus projection lag, the standby's sessions answer.
                try await waitUntil("the first sessions are read from the standby") {
                    try await Self.sessions(reader.port) == 2
                }
                #expect(try await Self.standbyClients(replica.url) > 0, "the reader has connections to the standby")

                // With replay paused on the standby, new sessions are in the primary but not in what the reader answers.
                try await TestDatabase.query(replica.url) { conn throws(StoreError) in _ = try conn.execute("SELECT pg_wal_replay_pause()") }
                let second = TwoProcessesTests.workload(sessions: 3, events: 90)
                #expect(try await post(port: reader.port, Events.array(second.map(\.1))).status == 200)
                try await waitUntil("the primary projected the new sessions") {
                    try await TestDatabase.query(primary.url) { conn throws(StoreError) in
                        try conn.execute("SELECT count(*) FROM agent_sessions").value(Int.self)
                    } == 5
                }
                #expect(try await Self.sessions(reader.port) == 2, "reads come from the paused standby")
                #expect(try await Self.sessions(server.port) == 5, "a server without a replica reads the primary")
                try await TestDatabase.query(replica.url) { conn throws(StoreError) in _ = try conn.execute("SELECT pg_wal_replay_resume()") }
                try await waitUntil("the standby caught up") { try await Self.sessions(reader.port) == 5 }

                // The standby stops: reads fall back to the primary, and the metric says so.
                replica.stop()
                #expect(try await Self.sessions(reader.port) == 5)
                let metrics = try await request(.GET, port: reader.port, "/metrics")
                let fallbacks = metrics.body.split(separator: "\n").first { $0.hasPrefix("sluice_read_replica_fallbacks_total") }
                #expect(fallbacks.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } } ?? 0 >= 1, "\(fallbacks ?? "no series")")
            }
        }
    }

    /// Sessions listed by the query API of the server on `port`.
    static func sessions(_ port: Int) async throws -> Int {
        let page = try await request(.GET, port: port, "/v1/sessions?limit=100")
        guard page.status == 200 else { throw TestFailure("GET /v1/sessions: \(page.status) \(page.body)") }
        return (page.json["items"] as? [[String: Any]])?.count ?? -1
    }

    /// Client connections to the standby's `sluice` database other than this query's.
    static func standbyClients(_ url: String) async throws -> Int {
        try await TestDatabase.query(url) { conn throws(StoreError) in
            try conn.execute("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
                """).value(Int.self)
        }
    }
}

extension ServeProcess {
    /// Runs `body`, then stops the server with SIGTERM and expects a clean exit, whether or not
    /// `body` threw.
    func stopAfter(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            signal(SIGTERM)
            _ = try? await wait()
            throw error
        }
        signal(SIGTERM)
        let exit = try await wait()
        #expect(exit == .exited(0), "\(log)")
    }
}
