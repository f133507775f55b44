import Foundation
import NIOCore
import NIOHTTP1
import SluiceCore
import SluiceProcess
import SluiceStore
import SluiceTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Three `sluice serve` processes on one database behind a real HAProxy health-checking
/// `/readyz`. Clients post through it without pause and resend what was not acknowledged; one
/// server is killed with SIGKILL mid-load and started again. Every event is stored exactly once,
/// every projector part goes on folding on the other servers (the hand-over is measured), and the
/// projections equal the log afterwards.
@Suite struct LoadBalancedServersTests {
    @Test func threeServersBehindHAProxySurviveOneKilledMidLoad() async throws {
        let db = try await TestDatabase.fresh()
        let ports = try (0..<3).map { _ in try LoopbackPort.free() }
        let fast = ["SLUICE_PROJECTION_INTERVAL_MS": "20"]
        var servers: [ServeProcess] = []
        for port in ports { servers.append(try await ServeProcess(databaseURL: db, port: port, environment: fast)) }
        let proxy = try await HAProxy(servers: ports)
        let workload = TwoProcessesTests.workload(sessions: 12, events: 9_000)
        let bodies = stride(from: 0, to: workload.count, by: 50).map { start in
            Events.array(workload[start..<min(start + 50, workload.count)].map(\.1))
        }
        let load = Load(bodies: bodies)
        do {
            // Four clients, each taking the next body and sending it until it is acknowledged.
            let clients = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 { group.addTask { try await load.run(port: proxy.port) } }
                    try await group.waitForAll()
                }
            }
            try await waitUntil("a third of the workload acknowledged") { load.acknowledged >= bodies.count / 3 }
            servers[1].signal(SIGKILL)
            _ = try await servers[1].wait()
            let killedAt = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("SELECT now()::text").value(Timestamp.self)
            }
            let killed = ContinuousClock.now
            // Every part steps again on a live server.
            try await waitUntil("every projector part steps after the kill", timeout: .seconds(60)) {
                try await TestDatabase.query(db) { conn throws(StoreError) in
                    try conn.execute("SELECT bool_and(stepped_at > $1::timestamptz) FROM projector_positions",
                                     [killedAt.rfc3339]).value(Bool.self)
                }
            }
            print("hand-over: every projector part stepped again \(killed.duration(to: .now)) after the SIGKILL")
            try await waitUntil("two thirds acknowledged") { load.acknowledged >= 2 * bodies.count / 3 }
            servers[1] = try await ServeProcess(databaseURL: db, port: ports[1], environment: fast)
            try await clients.value
            #expect(load.acknowledged == bodies.count)
            print("through HAProxy: \(load.acknowledged) requests acknowledged, \(load.resent) sent again after an error or no answer")

            let total = workload.count
            try await waitUntil("the projections caught up") {
                try await TestDatabase.query(db) { conn throws(StoreError) in
                    try conn.execute("""
                        SELECT (SELECT count(*) FROM agent_events), (SELECT count(DISTINCT id) FROM agent_events),
                               (SELECT coalesce(sum(event_count), 0) FROM agent_events_hourly),
                               (SELECT coalesce(sum((metrics->>'events')::int), 0) FROM agent_sessions)
                        """).requireRow().values.map { Int($0 ?? "") }
                } == [total, total, total, total]
            }
            let differences = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute(TwoProcessesTests.hourlyDifferences).value(Int.self)
            }
            #expect(differences == 0)
            for server in servers {
                server.signal(SIGTERM)
                let exit = try await server.wait()
                #expect(exit == .exited(0), "\(server.log.suffix(2000))")
            }
        } catch {
            for server in servers { server.signal(SIGKILL) }
            await proxy.stop()
            throw error
        }
        await proxy.stop()
    }

    /// Bodies handed out one at a time; each is sent until a 200 answers it.
    final class Load: Sendable {
        let bodies: [String]
        private let state = Mutex<(next: Int, acknowledged: Int, resent: Int)>((0, 0, 0))

        init(bodies: [String]) { self.bodies = bodies }

        var acknowledged: Int { state.withLock { $0.acknowledged } }
        var resent: Int { state.withLock { $0.resent } }

        func run(port: Int) async throws {
            while true {
                let index: Int? = state.withLock { s in
                    guard s.next < bodies.count else { return nil }
                    defer { s.next += 1 }
                    return s.next
                }
                guard let index else { return }
                var attempts = 0
                while true {
                    attempts += 1
                    let status = (try? await post(port: port, bodies[index], timeout: .seconds(10)))?.status
                    if status == 200 { break }
                    guard attempts < 200 else { throw TestFailure("body \(index) not acknowledged after 200 attempts (last: \(status.map(String.init) ?? "no answer"))") }
                    state.withLock { $0.resent += 1 }
                    try await Task.sleep(for: .milliseconds(50))
                }
                state.withLock { $0.acknowledged += 1 }
            }
        }
    }
}
