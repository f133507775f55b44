import Foundation
import NIOCore
import NIOHTTP1
import SluiceProcess
import SluiceStore
import SluiceTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every event that got a 2xx survives a SIGKILL of the server, a SIGTERM, or a database outage.
@Suite struct CrashAndShutdownTests {
    /// Clients that post batches of fresh events until stopped and remember what was acknowledged.
    final class Clients: Sendable {
        let acked = Mutex<[String]>([])
        let statuses = Mutex<[Int: Int]>([:])
        let stop = Atomic<Bool>(false)

        func run(port: @escaping @Sendable () -> Int, lanes: Int = 4, batch: Int = 50) -> Task<Void, Never> {
            Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<lanes {
                        group.addTask {
                            while !self.stop.load(ordering: .relaxed) {
                                let ids = (0..<batch).map { _ in UUID().uuidString.lowercased() }
                                let body = Events.array(ids.map { Events.json(id: UUID(uuidString: $0)!) })
                                do {
                                    let r = try await post(port: port(), body, timeout: .seconds(5))
                                    self.statuses.withLock { $0[r.status, default: 0] += 1 }
                                    if r.status == 200 { self.acked.withLock { $0 += ids } }
                                    if r.status == 503 { #expect(r.headers["Retry-After"].first != nil) }
                                } catch {
                                    self.statuses.withLock { $0[0, default: 0] += 1 }  // connection refused or reset
                                    try? await Task.sleep(for: .milliseconds(20))
                                }
                            }
                        }
                    }
                }
            }
        }

        func ackedCount() -> Int { acked.withLock { $0.count } }
    }

    static func missing(_ ids: [String], in db: String) async throws -> Int {
        try await TestDatabase.query(db) { conn throws(StoreError) in
            let literal = "{" + ids.joined(separator: ",") + "}"
            return Int(try conn.execute("""
                SELECT count(*) FROM unnest($1::uuid[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM agent_events e WHERE e.id = a.id)
                """, [literal]).scalar(String.self) ?? "-1") ?? -1
        }
    }


    @Test func sigkillLosesNoAcknowledgedEvent() async throws {
        let db = try await TestDatabase.fresh()
        let first = try await ServeProcess(databaseURL: db)
        let port = Atomic<Int>(first.port)
        let clients = Clients()
        let load = clients.run(port: { port.load(ordering: .relaxed) })
        try await waitUntil { clients.ackedCount() >= 2_000 }
        first.signal(SIGKILL)
        #expect(try await first.wait() == .signaled(SIGKILL))
        let ackedBeforeKill = clients.acked.withLock { $0 }
        #expect(try await Self.missing(ackedBeforeKill, in: db) == 0)

        // Restart on the same database and carry on.
        let second = try await ServeProcess(databaseURL: db)
        port.store(second.port, ordering: .relaxed)
        let resumeFrom = clients.ackedCount()
        try await waitUntil { clients.ackedCount() >= resumeFrom + 1_000 }
        clients.stop.store(true, ordering: .relaxed)
        await load.value
        second.signal(SIGTERM)
        #expect(try await second.wait() == .exited(0))
        let all = clients.acked.withLock { $0 }
        #expect(try await Self.missing(all, in: db) == 0)
        let duplicates = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("SELECT count(*) - count(DISTINCT id) FROM agent_events").scalar(String.self)
        }
        #expect(duplicates == "0")
    }

    @Test func sigtermCommitsWhatWasAcceptedAndExitsCleanly() async throws {
        let db = try await TestDatabase.fresh()
        let server = try await ServeProcess(databaseURL: db)
        let clients = Clients()
        let load = clients.run(port: { server.port })
        try await waitUntil { clients.ackedCount() >= 1_000 }
        server.signal(SIGTERM)
        #expect(try await server.wait() == .exited(0), "\(server.log)")
        clients.stop.store(true, ordering: .relaxed)
        await load.value
        #expect(server.log.contains("committing accepted events"))
        #expect(try await Self.missing(clients.acked.withLock { $0 }, in: db) == 0)
    }

    @Test func databaseOutageAnswers503AndRecoversByItself() async throws {
        let cluster = try await TestDatabase.privateCluster()
        defer { cluster.stop(); try? FileManager.default.removeItem(at: cluster.directory) }
        try await TestServer.with(databaseURL: cluster.url) { server in
            let clients = Clients()
            let load = clients.run(port: { server.port }, lanes: 2)
            // Generous waits: in the full suite this server shares two cores with every other test
            // (it takes 65-115 s there, 9 s alone); they bound a hang, they do not time anything.
            try await waitUntil(timeout: .seconds(180)) { clients.ackedCount() >= 500 }

            try await NIOThreadPoolRunner.run { cluster.stop() }
            let before503 = clients.statuses.withLock { $0[503, default: 0] }
            try await waitUntil(timeout: .seconds(120)) { clients.statuses.withLock { $0[503, default: 0] } > before503 + 5 }

            try await NIOThreadPoolRunner.run { _ = try cluster.start() }
            let resumeFrom = clients.ackedCount()
            try await waitUntil(timeout: .seconds(180)) { clients.ackedCount() >= resumeFrom + 500 }
            clients.stop.store(true, ordering: .relaxed)
            await load.value
            #expect(clients.statuses.withLock { $0[500, default: 0] } == 0)
            #expect(try await Self.missing(clients.acked.withLock { $0 }, in: cluster.url) == 0)
        }
    }
}
