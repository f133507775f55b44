import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

@Suite struct SessionFoldTests {
    let session = UUID()
    let t0 = Timestamp(microsecondsSinceEpoch: 1_790_000_000_000_000)

    func event(_ type: String, at seconds: Int64, data: String = "{}", metrics: String? = nil, severity: Severity? = nil, context: String = "{}") -> AgentEvent {
        AgentEvent(id: UUID(), timestamp: Timestamp(microsecondsSinceEpoch: t0.microsecondsSinceEpoch + seconds * 1_000_000),
                   eventType: type, agentId: "claude-code", agentVersion: "2", sessionId: session, projectId: 3,
                   context: try! JSONText(context), data: try! JSONText(data), metrics: metrics.map { try! JSONText($0) },
                   severity: severity)
    }

    var workload: [AgentEvent] {
        [
            event("session_start", at: 0, context: #"{"cwd":"/w"}"#),
            event("llm_request", at: 1, metrics: #"{"inputTokens":1000,"outputTokens":200,"cacheReadTokens":50,"cost":0.0123}"#),
            event("llm_request", at: 2, metrics: #"{"promptTokens":10,"responseTokens":5,"cost":1e-3}"#),  // exponent cost: ignored
            event("tool_use", at: 3, data: #"{"toolName":"Bash","success":true}"#),
            event("tool_use", at: 4, data: #"{"toolName":"Bash","error":"exit 1"}"#),
            event("file_read", at: 5), event("file_write", at: 6), event("file_modify", at: 7),
            event("command_execution", at: 8),
            event("error_encountered", at: 9, severity: .error),
            event("test_run", at: 10, data: #"{"total":10,"passed":7}"#),
            event("build_trigger", at: 11, data: #"{"success":true}"#),
            event("user_interaction", at: 12, severity: .critical),
        ]
    }

    @Test func countsEveryKind() throws {
        let s = try #require(SessionFold.fold(workload))
        let c = s.counters
        #expect(c.events == 13 && c.llmRequests == 2)
        #expect(c.inputTokens == 1010 && c.outputTokens == 205 && c.cacheReadTokens == 50 && c.cacheCreationTokens == 0)
        #expect(c.costNanoUSD == 12_300_000)
        #expect(c.toolCalls == 2 && c.toolFailures == 1)
        #expect(c.filesRead == 1 && c.filesWritten == 2 && c.commands == 1)
        #expect(c.errors == 2)  // error_encountered + a critical event
        #expect(c.testsRun == 10 && c.testsPassed == 7 && c.builds == 1 && c.buildsSucceeded == 1)
        #expect(c.eventsByType["file_read"] == 1 && c.eventsByType["llm_request"] == 2)
        #expect(s.context.description == #"{"cwd":"/w"}"#)
        #expect(s.firstEventAt == t0 && s.lastEventAt.microsecondsSinceEpoch == t0.microsecondsSinceEpoch + 12_000_000)
    }

    @Test func qualityScoreFollowsTheDocumentedFormula() throws {
        let s = try #require(SessionFold.fold(workload))
        // 100 − min(2×5, 30) − (1 − 7/10)×20 − 0 − (1/2)×10 = 100 − 10 − 6 − 5
        #expect(s.qualityScore == 79)
        let clean = try #require(SessionFold.fold([event("tool_use", at: 0, data: #"{"success":true}"#)]))
        #expect(clean.qualityScore == 100)
        let awful = try #require(SessionFold.fold((0..<20).map { event("error_encountered", at: Int64($0)) }
            + [event("test_run", at: 30, data: #"{"success":false}"#), event("build_trigger", at: 31, data: #"{"success":false}"#),
               event("tool_use", at: 32, data: #"{"status":"failed"}"#)]))
        #expect(awful.qualityScore == 20)  // 100 − 30 − 20 − 20 − 10
    }

    @Test func foldingIsOrderIndependentAndMergeable() throws {
        let events = workload + [event("session_end", at: 20, data: #"{"outcome":"partial"}"#)]
        let reference = try #require(SessionFold.fold(events))
        let seed = SeededGenerator.testSeed()
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<50 {
            let shuffled = events.shuffled(using: &rng)
            let cut = Int.random(in: 0...shuffled.count, using: &rng)
            let left = SessionFold.fold(shuffled[..<cut])
            let right = SessionFold.fold(shuffled[cut...])
            let merged = switch (left, right) {
            case let (l?, r?): Bool.random(using: &rng) ? SessionFold.merge(l, r) : SessionFold.merge(r, l)
            case let (l?, nil): l
            case let (nil, r?): r
            default: Optional<SessionSummary>.none
            }
            #expect(merged == reference, "seed \(seed)")
        }
    }

    /// The context is the earliest session_start's, in whichever order the fold meets the events;
    /// the log's key is (id, timestamp), so one id may start a session at two instants. The key
    /// survives the row, so later merges agree, and rows written before it kept the instant read.
    @Test func contextIsTheEarliestStartsInAnyOrder() throws {
        let early = event("session_start", at: 5, context: #"{"machineId":"m-1"}"#)
        var again = early
        again.timestamp = Timestamp(microsecondsSinceEpoch: early.timestamp.microsecondsSinceEpoch + 60_000_000)
        again.context = try JSONText(#"{"machineId":"m-2"}"#)
        let events = [again, event("llm_request", at: 1, context: #"{"machineId":"m-0"}"#), early,
                      event("session_start", at: 9, context: #"{"machineId":"m-3"}"#)]
        let seed = SeededGenerator.testSeed()
        var rng = SeededGenerator(seed: seed)
        var folds: [SessionSummary] = []
        for _ in 0..<20 { folds.append(try #require(SessionFold.fold(events.shuffled(using: &rng)))) }
        #expect(Set(folds).count == 1, "seed \(seed)")
        #expect(folds[0].context.description == #"{"machineId":"m-1"}"#)
        #expect(try #require(SessionFold.fold(events.filter { $0.eventType != "session_start" })).context.description == #"{"machineId":"m-0"}"#)

        let now = Timestamp(microsecondsSinceEpoch: t0.microsecondsSinceEpoch + 3_600_000_000)
        var row = SessionRow.parameters(folds[0], now: now, idleTimeout: .seconds(1800))
        let fold = try #require(row[12])
        #expect(fold.contains(#""context":[\#(Int64.min),"\#(early.id.lowercased)",\#(early.timestamp.microsecondsSinceEpoch)]"#), "\(fold)")
        let read = try SessionRow.summary(Row(values: row, columns: SessionRow.columns.components(separatedBy: ", ")))
        #expect(read.contextKey == folds[0].contextKey)
        row[12] = fold.replacingOccurrences(of: ",\(early.timestamp.microsecondsSinceEpoch)]", with: "]")
        let legacy = try SessionRow.summary(Row(values: row, columns: SessionRow.columns.components(separatedBy: ", ")))
        let later = try #require(SessionFold.fold([again]))
        #expect(legacy.contextKey.fromStart && SessionFold.merge(legacy, later).context == early.context)
    }

    @Test func outcomeIsDeclaredOrDerived() throws {
        let now = Timestamp(microsecondsSinceEpoch: t0.microsecondsSinceEpoch + 3_600_000_000)
        let idle = Duration.seconds(1800)
        let open = try #require(SessionFold.fold([event("tool_use", at: 3590)]))
        #expect(open.outcome(now: now, idleTimeout: idle) == nil && open.endTime(now: now, idleTimeout: idle) == nil)
        let idled = try #require(SessionFold.fold([event("tool_use", at: 0, data: #"{"success":true}"#)]))
        #expect(idled.endTime(now: now, idleTimeout: idle) == t0)
        #expect(idled.outcome(now: now, idleTimeout: idle) == .success)
        let declared = try #require(SessionFold.fold([event("session_end", at: 5, data: #"{"outcome":"abandoned"}"#), event("error_encountered", at: 1)]))
        #expect(declared.outcome(now: now, idleTimeout: idle) == .cancelled)
        let failed = try #require(SessionFold.fold([event("test_run", at: 1, data: #"{"success":true}"#), event("build_trigger", at: 2, data: #"{"success":false}"#), event("session_end", at: 3)]))
        #expect(failed.outcome(now: now, idleTimeout: idle) == .failure)
        let recovered = try #require(SessionFold.fold([event("build_trigger", at: 1, data: #"{"success":false}"#), event("build_trigger", at: 2, data: #"{"success":true}"#), event("session_end", at: 3)]))
        #expect(recovered.outcome(now: now, idleTimeout: idle) == .partial)
    }

    @Test func readsExactDecimalCosts() {
        #expect(FixedPoint.parse(Array("0.0123".utf8), scale: 9) == 12_300_000)
        #expect(FixedPoint.parse(Array("3".utf8), scale: 9) == 3_000_000_000)
        #expect(FixedPoint.parse(Array("-0.0000000015".utf8), scale: 9) == -2)
        #expect(FixedPoint.parse(Array("1e-3".utf8), scale: 9) == nil)
    }
}

