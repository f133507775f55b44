import Foundation
import NIOHTTP1
import SluiceServer
import SluiceStore
import SluiceTestSupport
import Testing

/// One API key flooding is answered 429 with Retry-After, before its bodies are parsed; another
/// key posting at a steady rate meanwhile gets no 429 and has every event stored. The second key
/// has a rate of its own (`keys create --rate`), above the server's default.
@Suite struct RateLimitTests {
    @Test func aFloodingKeyIsRefusedAndAnotherKeyIsNot() async throws {
        let db = try await TestDatabase.fresh()
        let (a, b) = try await TestDatabase.query(db) { conn throws(StoreError) in
            (try APIKeys.create(name: "a", projectName: "acme/alpha", admin: false, on: conn).key,
             try APIKeys.create(name: "b", projectName: "acme/beta", admin: false, rateEventsPerSecond: 1_000, rateBurst: 2_000, on: conn).key)
        }
        let projects = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("SELECT full_name, id FROM projects").rows
        }
        func project(_ name: String) -> Int { Int(projects.first { $0[0] == name }?[1] ?? "") ?? -1 }
        var configuration = ServerConfiguration(port: 0)
        configuration.rateLimit = RateLimit(eventsPerSecond: 50, burst: 200)
        func headers(_ key: String) -> [(String, String)] { [("Content-Type", "application/json"), ("Authorization", "Bearer \(key)")] }

        let (alpha, beta) = (project("acme/alpha"), project("acme/beta"))
        let (statusesB, floodAnswers, floodSeconds) = try await TestServer.with(databaseURL: db, configuration: configuration) { server in
            let port = server.port
            // A: 4 clients, 100 events a request, as fast as they are answered, for 3 s and until
            // each was refused once (A offers 400 events per answer time against a rate of 50 a
            // second: refused however slow the machine, short of 8 s an answer).
            let floodStart = ContinuousClock.now
            let flood = Task {
                try await withThrowingTaskGroup(of: [(Int, String?)].self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            var out: [(Int, String?)] = []
                            let start = ContinuousClock.now
                            while ContinuousClock.now < start + .seconds(3)
                                    || (!out.contains { $0.0 == 429 } && ContinuousClock.now < start + .seconds(60)) {
                                let r = try await post(port: port, Events.array((0..<100).map { _ in Events.json(project: alpha) }), headers: headers(a))
                                out.append((r.status, r.headers["Retry-After"].first))
                            }
                            return out
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
            }
            // B: 50 events every 100 ms or so: more than the default rate allows (200 at once, then
            // 50 a second), well within its own.
            var statusesB: [Int] = []
            for _ in 0..<25 {
                let r = try await post(port: port, Events.array((0..<50).map { _ in Events.json(project: beta) }), headers: headers(b))
                statusesB.append(r.status)
                try await Task.sleep(for: .milliseconds(100))
            }
            let floodAnswers = try await flood.value
            let floodSeconds = Double((ContinuousClock.now - floodStart).components.seconds) + 1
            return (statusesB, floodAnswers, floodSeconds)
        }
        #expect(statusesB.allSatisfy { $0 == 200 }, "\(statusesB)")
        let refused = floodAnswers.filter { $0.0 == 429 }
        #expect(!refused.isEmpty, "\(Set(floodAnswers.map(\.0)))")
        #expect(refused.allSatisfy { Int($0.1 ?? "") ?? 0 >= 1 }, "Retry-After on every 429")
        #expect(floodAnswers.allSatisfy { $0.0 == 200 || $0.0 == 429 })
        let counts = try await TestDatabase.query(db) { conn throws(StoreError) in
            try conn.execute("SELECT project_id, count(*) FROM agent_events GROUP BY 1 ORDER BY 1").rows
        }
        let stored = Dictionary(uniqueKeysWithValues: counts.map { (Int($0[0] ?? "") ?? -1, Int($0[1] ?? "") ?? -1) })
        #expect(stored[beta] == 1_250)
        // A stored what it was admitted for: at most its burst plus its rate over the flood's
        // duration (rounded up), plus one request per client admitted on its last token.
        let admittedA = floodAnswers.filter { $0.0 == 200 }.count * 100
        #expect(stored[alpha] == admittedA)
        #expect(Double(admittedA) <= 200 + floodSeconds * 50 + 4 * 100, "\(admittedA) in \(floodSeconds) s")
    }
}
