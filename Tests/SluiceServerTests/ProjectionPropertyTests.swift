import Foundation
import Testing
import NIOHTTP1
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// Whatever the API accepts, every part of the projector reaches the newest position with no dead
/// letter, every aggregate row equals a raw GROUP BY and every session equals the fold of its
/// events. Thousands of random events (timestamps across the whole accepted range with offsets,
/// unicode, extreme and wrong-typed metrics, retries, ids sent again with other timestamps) posted
/// over HTTP by concurrent clients to a real server that folds as it runs. Seeded: the seed is
/// printed with every failure (`SLUICE_TEST_SEED` replays one).
@Suite struct ProjectionPropertyTests {
    static let seed = SeededGenerator.testSeed("ProjectionPropertyTests")

    static let types = ["session_start", "session_end", "llm_request", "llm_response", "tool_use", "user_interaction",
                        "test_run", "build_trigger", "error_encountered", "file_read", "command_execute", "custom_thing"]
    static let numbers = ["0", "1", "42", "1834.5", "1e3", "-5", "1e400", "1e-400", "9007199254740993", "\"12\"", "null",
                          "true", "{}", "[1]", "0.000001", "123456789012"]
    static let texts = ["hello", "flaky test", "ünïcödé ✓", "日本語のテキスト", "emoji 🚀🔥", "quote \\\" and \\\\ backslash",
                        "tab\\tnew\\nline", "\\u00e9\\u4e2d", "\\ud83d\\ude00", "a b c d e f g"]
    static let offsets = ["Z", "+00:00", "+14:00", "-12:00", "+05:30", "-03:45"]

    /// The UTC days (their midnights, in seconds) that the events in the past fall on: spread over
    /// three years, but few, since TimescaleDB mode refreshes every continuous aggregate over each
    /// past day that receives an event (about 0.4 s a day for the seven of them), and a
    /// thousand of them would measure that rather than the folds.
    static func pastDays(_ rng: inout SeededGenerator, now: Double) -> [Double] {
        (0..<50).map { _ in ((now - Double.random(in: 7_200 ... 3 * 365 * 86_400, using: &rng)) / 86_400).rounded(.down) * 86_400 }
    }

    /// A timestamp as a client would send it: far from now (so that no session crosses the idle
    /// timeout while the test runs), on one of `pastDays`, years ahead, or at the ends of the
    /// accepted range.
    static func timestamp(_ rng: inout SeededGenerator, now: Double, pastDays: [Double]) -> String {
        let kind = Int.random(in: 0..<10, using: &rng)
        let seconds: Double
        switch kind {
        case 0: seconds = Double.random(in: -62_135_596_800 ... -62_135_596_800 + 3 * 86_400, using: &rng)   // year 0001
        case 1: seconds = Double.random(in: 253_402_300_799 - 3 * 86_400 ... 253_402_300_799, using: &rng)   // year 9999
        case 2...3: seconds = now + Double.random(in: 86_400 ... 5 * 365 * 86_400, using: &rng)
        default: seconds = min(pastDays.randomElement(using: &rng)! + Double.random(in: 0 ..< 86_400, using: &rng), now - 7_200)
        }
        let offset = offsets.randomElement(using: &rng)!
        let shift: Double = offset == "Z" ? 0 : (Double(offset.dropFirst().prefix(2))! * 3600 + Double(offset.suffix(2))! * 60) * (offset.hasPrefix("-") ? -1 : 1)
        let local = seconds + shift
        var tm = tm()
        var t = time_t(local.rounded(.down))
        gmtime_r(&t, &tm)
        let micros = Int(((local - local.rounded(.down)) * 1_000_000).rounded(.down))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06d%@", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
                      Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), micros, offset)
    }

    static func event(_ rng: inout SeededGenerator, id: UUID, sessions: [UUID], now: Double, pastDays: [Double]) -> String {
        let type = types.randomElement(using: &rng)!
        let text = texts.randomElement(using: &rng)!
        var metrics: [String] = []
        for key in ["durationMs", "inputTokens", "outputTokens", "cacheReadTokens", "cacheCreationTokens", "cost"] where Bool.random(using: &rng) {
            metrics.append("\"\(key)\": \(numbers.randomElement(using: &rng)!)")
        }
        let data = #"{"toolName": "\#(["Bash", "Read", "Edit"].randomElement(using: &rng)!)", "success": \#(Bool.random(using: &rng)), "prompt": "\#(text)", "response": "\#(text)", "outcome": "\#(["success", "failure", "abandoned", "weird"].randomElement(using: &rng)!)", "total": \#(Int.random(in: 0...20, using: &rng)), "passed": \#(Int.random(in: 0...20, using: &rng))}"#
        let severity = Int.random(in: 0..<8, using: &rng) == 0 ? #", "severity": "error""# : ""
        return #"{"id": "\#(id.lowercased)", "timestamp": "\#(timestamp(&rng, now: now, pastDays: pastDays))", "eventType": "\#(type)", "agentId": "\#(["claude-code", "copilot", "cursor"].randomElement(using: &rng)!)", "sessionId": "\#(sessions.randomElement(using: &rng)!.lowercased)", "projectId": \#(Int.random(in: 1...3, using: &rng)), "context": {"workspaceId": "ws-\#(Int.random(in: 1...4, using: &rng))", "machineId": "m-\#(Int.random(in: 1...2, using: &rng))"}, "data": \#(data), "metrics": {\#(metrics.joined(separator: ", "))}\#(severity)}"#
    }

    @Test func everyAcceptedEventReachesEveryProjectionExactly() async throws {
        let seed = Self.seed
        let db = try await TestDatabase.fresh()
        var rng = SeededGenerator(seed: seed)
        let now = Date().timeIntervalSince1970
        let pastDays = Self.pastDays(&rng, now: now)
        let sessions = (0..<60).map { _ in UUID(uuid: (UInt8.random(in: 0...255, using: &rng), 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, UInt8.random(in: 0...255, using: &rng))) }
        // 3,000 events in 30 requests per client; some ids again (a retry, or the same id at another time).
        var requests: [String] = []
        var sent: [String] = []
        for _ in 0..<120 {
            var batch: [String] = []
            for _ in 0..<25 {
                if !sent.isEmpty && Int.random(in: 0..<10, using: &rng) == 0 {
                    batch.append(sent.randomElement(using: &rng)!)  // a retry
                } else {
                    let e = Self.event(&rng, id: UUID(), sessions: sessions, now: now, pastDays: pastDays)
                    sent.append(e)
                    batch.append(e)
                    if Int.random(in: 0..<20, using: &rng) == 0, let id = e.range(of: #""id": "[^"]+""#, options: .regularExpression) {
                        batch.append(Self.event(&rng, id: UUID(uuidString: String(e[id].dropFirst(7).dropLast()))!, sessions: sessions, now: now, pastDays: pastDays))
                    }
                }
            }
            requests.append("[" + batch.joined(separator: ",") + "]")
        }
        let parts = try await TestServer.with(databaseURL: db) { server in
            let port = server.port
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for client in 0..<4 {
                    let mine = requests.enumerated().filter { $0.offset % 4 == client }.map(\.element)
                    group.addTask { var s: [Int] = []; for body in mine { s.append(try await post(port: port, body).status) }; return s }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 207 }, "seed \(seed): \(Set(statuses))")

            // Every part reaches the newest position, as /v1/status reports it.
            // TimescaleDB mode refreshes every continuous aggregate over each past day (``pastDays``).
            let deadline = Date().addingTimeInterval(TestDatabase.mode == .timescale ? 600 : 120)
            var parts: [[String: Any]] = []
            repeat {
                try await Task.sleep(for: .milliseconds(200))
                parts = (try await request(.GET, port: port, "/v1/status").json["projector"] as? [String: Any])?["parts"] as? [[String: Any]] ?? []
            } while Date() < deadline && !(parts.count == 3 && parts.allSatisfy { ($0["eventsBehind"] as? Int) == 0 && ($0["refreshDaysPending"] as? Int) == 0 })
            return parts
        }
        #expect(parts.count == 3 && parts.allSatisfy { ($0["eventsBehind"] as? Int) == 0 && ($0["refreshDaysPending"] as? Int) == 0 }, "seed \(seed): \(parts)")
        #expect(parts.allSatisfy { ($0["deadLetters"] as? Int) == 0 && ($0["failures"] as? Int) == 0 && $0["lastError"] == nil },
                "seed \(seed): \(parts.map { "\($0["part"] ?? "?"): \($0["lastError"] ?? "no error")" })")

        let checks = try await TestDatabase.query(db) { conn throws(StoreError) in
            var same: [String: Bool] = [:]
            let dead = try DeadLetters.list(limit: 3, on: conn)
            same["no dead letters" + dead.map { ": \($0.part) \($0.eventTimestamp) \($0.error)" }.joined()] = dead.isEmpty
            do {
                for (name, projected, raw) in [
                    ("hourly", RawAggregates.projected, RawAggregates.raw), ("daily", RawAggregates.dailyProjected, RawAggregates.dailyRaw),
                    ("all projects", RawAggregates.allProjectsProjected, RawAggregates.allProjectsRaw),
                    ("all projects daily", RawAggregates.allProjectsDailyProjected, RawAggregates.allProjectsDailyRaw),
                ] {
                    do throws(StoreError) {
                        let p = try conn.execute(projected).rows
                        let r = try conn.execute(raw).rows
                        same[name] = !p.isEmpty && p == r
                    } catch {
                        same["\(name): \(error)"] = false
                    }
                }
            }
            let rows = try conn.execute("""
                SELECT id, to_json("timestamp") #>> '{}', event_type, agent_id, agent_version, session_id,
                       project_id, context::text, data::text, metrics::text, severity FROM agent_events
                """).decodedRows
            let events = try rows.map { row throws(StoreError) in try SessionProjector.event(row) }
            same["every stored event reads back"] = !rows.isEmpty
            let now = try conn.execute("SELECT now()::text").value(Timestamp.self)
            try conn.execute("CREATE TEMP TABLE expected (LIKE agent_sessions)")
            for s in Dictionary(grouping: events, by: \.sessionId).compactMapValues({ SessionFold.fold($0) }).values {
                try conn.execute("INSERT INTO expected (\(SessionRow.columns)) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
                                 SessionRow.parameters(s, now: now, idleTimeout: .seconds(1800)))
            }
            let differences = try conn.execute("""
                SELECT count(*) FROM (
                    (SELECT \(SessionRow.columns) FROM agent_sessions EXCEPT SELECT \(SessionRow.columns) FROM expected)
                    UNION ALL
                    (SELECT \(SessionRow.columns) FROM expected EXCEPT SELECT \(SessionRow.columns) FROM agent_sessions)) d
                """).scalar(String.self)
            // One session that differs, as stored and as folded.
            let sample = try conn.execute("""
                WITH d AS (SELECT id FROM (SELECT \(SessionRow.columns) FROM agent_sessions EXCEPT SELECT \(SessionRow.columns) FROM expected) x LIMIT 1)
                SELECT 'stored', \(SessionRow.columns) FROM agent_sessions WHERE id IN (SELECT id FROM d)
                UNION ALL SELECT 'folded', \(SessionRow.columns) FROM expected WHERE id IN (SELECT id FROM d)
                """).rows
            same["sessions equal their fold (\(differences ?? "?") rows differ, e.g. \(sample))"] = differences == "0"
            return same
        }
        for (name, equal) in checks.sorted(by: { $0.key < $1.key }) {
            #expect(equal, "seed \(seed): \(name)")
        }
    }
}
