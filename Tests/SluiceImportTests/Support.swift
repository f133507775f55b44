import Foundation
import SluiceCore
import SluiceImport

/// The fixtures (small transcripts written after the real formats) and helpers around them.
enum Fixtures {
    static var root: String { Bundle.module.resourceURL!.appendingPathComponent("Fixtures").path }
    static var claudeProjects: String { root + "/claude/projects" }
    static var copilotStorage: String { root + "/copilot/workspaceStorage" }
    static let sessionA = "0a1b2c3d-0000-4000-8000-00000000000a"
    static let sessionB = "0a1b2c3d-0000-4000-8000-00000000000b"
    static let sessionC = "0a1b2c3d-0000-4000-8000-00000000000c"

    /// A writable copy of the Claude projects, with session C's file holding `part1` only.
    static func workingCopy() throws -> (root: String, growing: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-import-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: claudeProjects, toPath: dir + "/projects")
        let growing = dir + "/projects/-home-dev-shop/\(sessionC).jsonl"
        try FileManager.default.copyItem(atPath: root + "/claude/growing/part1.jsonl", toPath: growing)
        return (dir + "/projects", growing)
    }

    static func append(part2To path: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data(contentsOf: URL(fileURLWithPath: root + "/claude/growing/part2.jsonl")))
        try h.close()
    }

    static func options() throws -> ImportOptions {
        ImportOptions(projectId: 7, machineId: "test-machine", hostname: "test-host", prices: try PriceTable.bundled())
    }

    /// Long after the fixtures: every session is idle, every file settled.
    static let later = Timestamp(rfc3339: "2026-01-01T00:00:00Z")!
}

/// Hand-computed expectations. Prices in nano-dollars per token (dollars per million × 1000):
/// Sonnet 4 / 4.5 input 3000, output 15000, cache write 3750, cache read 300; Opus 4.1 15000,
/// 75000, 18750, 1500; Haiku 4.5 1000, 5000, 1250, 100.
enum Expected {
    // Session A (Sonnet 4.5), one request per message id; usage = the largest snapshot.
    //   A1: in 3, out 40 (snapshots 5, 12, 40), cc 2000, cr 10000 → 9,000 + 600,000 + 7,500,000 + 3,000,000 = 11,109,000
    //   A2: in 5, out 80, cc 300, cr 12000 → 15,000 + 1,200,000 + 1,125,000 + 3,600,000 = 5,940,000
    //   A3: in 2, out 30, cc 150, cr 12300 → 6,000 + 450,000 + 562,500 + 3,690,000 = 4,708,500
    //   A4: in 4, out 60, cc 0, cr 12450 → 12,000 + 900,000 + 0 + 3,735,000 = 4,647,000
    static let sessionA = UsageTotals(requests: 4, input: 14, output: 210, cacheCreation: 2450, cacheRead: 46750, costNanoUSD: 26_404_500)
    // Session B: main chain (Opus 4.1), subagent a1f3 (Haiku 4.5), /btw answer (Opus 4.1); the /btw
    // file's copy of msg_01B1 (new request id) is a replay; the synthetic API error is no request.
    //   B1: in 10, out 50, cc 1000, cr 5000 → 150,000 + 3,750,000 + 18,750,000 + 7,500,000 = 30,150,000
    //   B2: in 6, out 20, cc 200, cr 6000 → 90,000 + 1,500,000 + 3,750,000 + 9,000,000 = 14,340,000
    //   B3: in 8, out 70, cc 0, cr 6200; costUSD 0.0123 in the transcript → 12,300,000
    //   S1: in 20, out 25, cc 3000, cr 0 → 20,000 + 125,000 + 3,750,000 = 3,895,000
    //   S2: in 30, out 40, cc 100, cr 3000 → 30,000 + 200,000 + 125,000 + 300,000 = 655,000
    //   X2: in 4, out 30, cc 0, cr 7000 → 60,000 + 2,250,000 + 10,500,000 = 12,810,000
    static let sessionB = UsageTotals(requests: 6, input: 78, output: 235, cacheCreation: 4300, cacheRead: 27200, costNanoUSD: 74_150_000)
    // Session C (Sonnet 4): C1 in 100, out 10 → 300,000 + 150,000 = 450,000;
    //   C2 (after the file grew) in 50, out 20, cc 10, cr 100 → 150,000 + 300,000 + 37,500 + 30,000 = 517,500
    static let sessionCPart1 = UsageTotals(requests: 1, input: 100, output: 10, costNanoUSD: 450_000)
    static let sessionC = UsageTotals(requests: 2, input: 150, output: 30, cacheCreation: 10, cacheRead: 100, costNanoUSD: 967_500)

    /// By UTC day of the response: B1, B2, S1, S2, X2 on the 11th; B3 just after midnight.
    static let day10 = sessionA
    static let day11 = UsageTotals(requests: 5, input: 70, output: 165, cacheCreation: 4300, cacheRead: 21000, costNanoUSD: 61_850_000)
    static let day12Part1 = UsageTotals(requests: 2, input: 108, output: 80, cacheCreation: 0, cacheRead: 6200, costNanoUSD: 12_750_000)
    static let day12 = UsageTotals(requests: 3, input: 158, output: 100, cacheCreation: 10, cacheRead: 6300, costNanoUSD: 13_267_500)
}

/// Maps every transcript under `paths` without storing anything.
func mapClaude(_ paths: [String], now: Timestamp = Fixtures.later, state: inout WatchState) async throws -> (ImportStats, [AgentEvent]) {
    let sink = CollectingSink()
    let run = ClaudeImport(options: try Fixtures.options(), sink: sink, state: state.claude)
    try await run.pass(paths: paths, positions: &state.files, now: now)
    state.claude = run.mapper.state
    return (run.stats, await sink.events)
}

/// A sink that keeps what it is sent.
actor CollectingSink: EventSink {
    var events: [AgentEvent] = []
    func send(_ batch: [AgentEvent]) async throws -> SinkOutcome {
        events += batch
        return SinkOutcome(inserted: batch.count)
    }
    func close() async {}
}
