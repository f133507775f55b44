import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import SluiceCore
import SluiceImport
import SluiceProjections
import SluiceStore
import SluiceTestSupport

/// A transcript imported while it is still being written, at any line, then again whole, stores
/// what one import of the whole file stores: the same requests, tokens and cost per session and
/// per day, in the log, the session projection, the hourly and cost aggregates and the API.
///
/// `live/` is session E as Claude Code writes it: one response per request spread over several
/// lines whose usage grows, with gaps of 75 s and 112 s between two lines of one response (a
/// `--settle` of 60 s closes the response in the gap).
@Suite struct CutPointTests {
    static let sessionE = "0a1b2c3d-0000-4000-8000-00000000000e"
    static var liveFile: String { Fixtures.root + "/claude/live/\(sessionE).jsonl" }
    // Sonnet 4.5 (nano-dollars per token: input 3000, output 15000, cache write 3750, cache read 300):
    //   E1 in 6, out 180 (snapshots 2, 2, 180), cc 5000 → 18,000 + 2,700,000 + 18,750,000 = 21,468,000
    //   E2 in 4, out 95 (snapshots 1, 95), cc 300, cr 5000 → 12,000 + 1,425,000 + 1,125,000 + 1,500,000 = 4,062,000
    //   E3 in 2, out 40, cc 120, cr 5300 → 6,000 + 600,000 + 450,000 + 1,590,000 = 2,646,000
    static let expectedE = UsageTotals(requests: 3, input: 12, output: 315, cacheCreation: 5420, cacheRead: 10300, costNanoUSD: 28_176_000)

    /// Every place the file can be cut: each line boundary, and inside each line (the part read
    /// first is then a partial last line).
    static func cuts(_ data: Data) -> [Int] {
        var cuts = [0]
        var start = 0
        for (i, byte) in data.enumerated() where byte == 0x0A {
            cuts.append(start + (i - start) / 2)
            cuts.append(i + 1)
            start = i + 1
        }
        return cuts
    }

    /// A transcript's lines: where each ends, and when it was written (its timestamp, or the
    /// latest before it for a line without one).
    static func lineTimes(_ data: Data) -> [(end: Int, time: String)] {
        var out: [(end: Int, time: String)] = []
        var start = 0, latest = ""
        for (i, byte) in data.enumerated() where byte == 0x0A {
            if let o = try? JSONSerialization.jsonObject(with: data[start..<i]) as? [String: Any], let t = o["timestamp"] as? String, t > latest {
                latest = t
            }
            out.append((i + 1, latest))
            start = i + 1
        }
        return out
    }

    static func temporaryDirectory(_ tag: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-\(tag)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// What the log keeps of `events` (appended in that order): the first copy of each (id, timestamp).
    struct Log {
        var events: [String: AgentEvent] = [:]

        mutating func store(_ batch: [AgentEvent]) {
            for e in batch where events["\(e.id)|\(e.timestamp.microsecondsSinceEpoch)"] == nil {
                events["\(e.id)|\(e.timestamp.microsecondsSinceEpoch)"] = e
            }
        }

        /// Requests (one `llm_response` each, at the response's time as the summary's days are),
        /// tokens and cost, per session or per UTC day.
        func totals(by key: (AgentEvent) -> String) -> [String: UsageTotals] {
            var out: [String: UsageTotals] = [:]
            for e in events.values {
                var t = out[key(e), default: UsageTotals()]
                if e.eventType == "llm_response" { t.requests += 1 }
                let m = e.metrics
                t.inputTokens += Int64(m?.number("inputTokens") ?? 0)
                t.outputTokens += Int64(m?.number("outputTokens") ?? 0)
                t.cacheCreationTokens += Int64(m?.number("cacheCreationTokens") ?? 0)
                t.cacheReadTokens += Int64(m?.number("cacheReadTokens") ?? 0)
                t.costNanoUSD += m?.fixedPoint("costUSD", scale: 9) ?? 0
                out[key(e)] = t
            }
            return out
        }

        var bySession: [String: UsageTotals] { totals { $0.sessionId.lowercased } }
        var byDay: [String: UsageTotals] { totals { String($0.timestamp.rfc3339.prefix(10)) } }
        /// The Swift session fold of what is stored, per session.
        var sessions: [String: SessionCounters] {
            Dictionary(grouping: events.values, by: { $0.sessionId.lowercased }).compactMapValues { SessionFold.fold($0)?.counters }
        }
    }

    /// One pass over `paths`, its events appended to `log`; `state` carries the watch's memory
    /// (nil: a one-shot import, starting from nothing).
    static func pass(_ paths: [String], into log: inout Log, state: inout WatchState?) async throws -> ImportStats {
        var s = state ?? WatchState()
        let (stats, events) = try await mapClaude(paths, state: &s)
        if state != nil { state = s }
        log.store(events)
        return stats
    }

    /// For every cut of `file`: a run over the cut file, then one over the whole file, one-shot
    /// (no saved state) and as a watch (state carried), stores the log of one run over it whole.
    func walkEveryCut(of file: String) async throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: file))
        let path = try Self.temporaryDirectory("cuts") + "/" + (file as NSString).lastPathComponent
        try whole.write(to: URL(fileURLWithPath: path))
        try await walk(paths: [path], once: [path: whole], cuts: Self.cuts(whole).map { [path: $0] })
    }

    /// For every moment of a set of transcripts written at once (each file holding the lines
    /// written by then, and each of them in turn also holding half of its next line), the same.
    func walkEveryMoment(of root: String) async throws {
        let files = TranscriptDiscovery.claudeFiles([root])
        let wholes = try Dictionary(uniqueKeysWithValues: files.map { ($0, try Data(contentsOf: URL(fileURLWithPath: $0))) })
        let lines = wholes.mapValues(Self.lineTimes)
        let moments = [""] + Set(lines.values.flatMap { $0.map(\.time) }).sorted()
        var cuts: [[String: Int]] = []
        for moment in moments {
            let ends = lines.mapValues { $0.last(where: { $0.time <= moment })?.end ?? 0 }
            cuts.append(ends)
            for (path, end) in ends where end < wholes[path]!.count {
                let next = lines[path]!.first(where: { $0.end > end })!.end
                cuts.append(ends.merging([path: end + (next - end) / 2]) { $1 })
            }
        }
        try await walk(paths: [root], once: wholes, cuts: cuts)
    }

    /// For each cut (bytes of each file), a run over the cut files then one over the whole ones.
    func walk(paths: [String], once wholes: [String: Data], cuts: [[String: Int]]) async throws {
        var once = Log(), noState: WatchState? = nil
        let oneShot = try await Self.pass(paths, into: &once, state: &noState)
        #expect(once.bySession == oneShot.bySession)
        #expect(once.byDay == oneShot.byDay)
        for cut in cuts {
            for watch in [false, true] {
                for (path, end) in cut { try wholes[path]!.prefix(end).write(to: URL(fileURLWithPath: path)) }
                var log = Log(), state: WatchState? = watch ? WatchState() : nil
                _ = try await Self.pass(paths, into: &log, state: &state)
                for (path, data) in wholes { try data.write(to: URL(fileURLWithPath: path)) }
                let second = try await Self.pass(paths, into: &log, state: &state)
                let label = "cut \(cut.sorted { $0.key < $1.key }.map { "\(($0.key as NSString).lastPathComponent):\($0.value)" })\(watch ? ", watched" : "")"
                #expect(log.bySession == once.bySession, "\(label)")
                #expect(log.byDay == once.byDay, "\(label)")
                #expect(log.sessions == once.sessions, "\(label)")
                #expect(Set(log.events.keys) == Set(once.events.keys), "\(label)")
                // A one-shot second run sums everything itself.
                if !watch { #expect(second.bySession == oneShot.bySession, "\(label)") }
            }
        }
    }

    @Test func everyCutOfALiveTranscriptStoresWhatOneImportStores() async throws {
        var log = Log(), noState: WatchState? = nil
        let stats = try await Self.pass([Self.liveFile], into: &log, state: &noState)
        #expect(stats.bySession[Self.sessionE] == Self.expectedE)
        #expect(stats.byDay["2025-10-13"] == Self.expectedE)
        #expect(log.bySession[Self.sessionE] == Self.expectedE)
        #expect(stats.corrections == 2)  // E1's output 2 → 180, E2's 1 → 95
        try await walkEveryCut(of: Self.liveFile)
    }

    @Test func everyMomentOfTheFixtureSessionsStoresWhatOneImportStores() async throws {
        let copy = try Fixtures.workingCopy()
        try Fixtures.append(part2To: copy.growing)
        #expect(TranscriptDiscovery.claudeFiles([copy.root]).count == 5)
        try await walkEveryMoment(of: copy.root)
    }

    // MARK: - The database, the projections and the API

    static let sessionRow = """
        SELECT id::text, (metrics->>'llmRequests'), (metrics->>'inputTokens'), (metrics->>'outputTokens'),
               (metrics->>'cacheCreationTokens'), (metrics->>'cacheReadTokens'), (metrics->>'costUSD')::numeric(20, 9)::text,
               (metrics->>'toolCalls'), (metrics->>'events')
        FROM agent_sessions ORDER BY 1
        """
    static let costsDaily = """
        SELECT day::text, project_id, agent_id, model, llm_requests, tokens_in, tokens_out, tokens_cache_read, tokens_cache_write, cost_usd::text
        FROM agent_costs_daily ORDER BY 1, 2, 3, 4
        """

    struct Stored: Equatable {
        var sessions: [[String?]]
        var hourly: [[String?]]
        var costs: [[String?]]
        var api: String
    }

    static func importFile(_ path: String, into url: String) async throws {
        let sink = DatabaseSink(url: url)
        let run = ClaudeImport(options: try Fixtures.options(), sink: sink)
        var positions: [String: WatchState.FilePosition] = [:]
        try await run.pass(paths: [path], positions: &positions, now: Fixtures.later)
        await sink.close()
    }

    static func stored(_ url: String) async throws -> Stored {
        try await TestDatabase.query(url) { conn throws(StoreError) in
            try catchUp(on: conn)
            return Stored(
                sessions: try conn.execute(sessionRow).rows, hourly: try conn.execute(RawAggregates.projected).rows,
                costs: try conn.execute(costsDaily).rows,
                api: try Queries.costs(Queries.Filter(), groupBy: .day, on: conn))
        }
    }

    @Test func everyCutStoresTheSameSessionsAggregatesAndAPITotals() async throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.liveFile))
        let dir = try Self.temporaryDirectory("cuts-db")
        let path = dir + "/\(Self.sessionE).jsonl"
        try whole.write(to: URL(fileURLWithPath: path))
        let onceURL = try await TestDatabase.fresh()
        try await Self.importFile(path, into: onceURL)
        let once = try await Self.stored(onceURL)
        let e = Self.expectedE
        #expect(once.sessions.map { Array($0.prefix(7)) } == [[
            Self.sessionE, "\(e.requests)", "\(e.inputTokens)", "\(e.outputTokens)", "\(e.cacheCreationTokens)",
            "\(e.cacheReadTokens)", e.costUSD,
        ]])
        #expect(once.costs.map { $0[5...9].map { $0 ?? "" } } == [["12", "315", "10300", "5420", "0.028176000"]])

        // Each line boundary, and inside E1's tool-call line (after the 75 s gap): the partial line
        // is read by the second run. (Every cut inside every line is walked without a database above.)
        let lines = Self.lineTimes(whole)
        let partial = lines[3].end + (lines[4].end - lines[3].end) / 2
        for cut in lines.map(\.end).dropLast() + [partial] {
            let url = try await TestDatabase.fresh()
            try whole.prefix(cut).write(to: URL(fileURLWithPath: path))
            try await Self.importFile(path, into: url)
            try whole.write(to: URL(fileURLWithPath: path))
            try await Self.importFile(path, into: url)
            #expect(try await Self.stored(url) == once, "cut at byte \(cut)")
        }
    }

    /// Over HTTP, through a real server: `GET /v1/costs` after a cut in E1's 75 s gap equals the
    /// hand-computed totals.
    @Test func theAPIServesTheWholeTotalsAfterACutInAGap() async throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.liveFile))
        let dir = try Self.temporaryDirectory("cuts-api")
        let path = dir + "/\(Self.sessionE).jsonl"
        // Up to E1's text line (14:00:05), before its tool call (14:01:20).
        let lines = whole.split(separator: 0x0A, omittingEmptySubsequences: false)
        try Data((lines.prefix(4).map { Data($0) }.joined(separator: [0x0A])) + [0x0A]).write(to: URL(fileURLWithPath: path))
        let url = try await TestDatabase.fresh()
        try await Self.importFile(path, into: url)
        try whole.write(to: URL(fileURLWithPath: path))
        try await Self.importFile(path, into: url)
        try await TestDatabase.query(url) { conn throws(StoreError) in try catchUp(on: conn) }
        let server = try await InProcessServer.start(databaseURL: url)
        let answer = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(server.port)/v1/costs?group_by=day")!)
        await server.stop()
        let (body, response) = try #require(answer)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let rows = try #require(object["costs"] as? [[String: Any]])
        let e = Self.expectedE
        #expect(rows.count == 1)
        #expect(rows.first?["group"] as? String == "2025-10-13")
        #expect((rows.first?["llmRequests"] as? NSNumber)?.intValue == e.requests)
        #expect((rows.first?["tokensIn"] as? NSNumber)?.int64Value == e.inputTokens)
        #expect((rows.first?["tokensOut"] as? NSNumber)?.int64Value == e.outputTokens)
        #expect((rows.first?["tokensCacheWrite"] as? NSNumber)?.int64Value == e.cacheCreationTokens)
        #expect((rows.first?["tokensCacheRead"] as? NSNumber)?.int64Value == e.cacheReadTokens)
        #expect((rows.first?["costUSD"] as? NSNumber).map { "\($0)" } == "0.028176")
    }
}
