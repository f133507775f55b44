import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport
@testable import SluiceProjections

/// The first and last instants that ingest accepts, whatever offset they are written with, are
/// folded by every part like any other: no dead letter, sessions and aggregates as a fold of the log.
@Suite struct EdgeInstantsTests {
    static let instants = [
        "0001-01-01T00:00:00Z", "0001-01-01T00:00:00-14:00", "0001-01-01T13:59:59.999999-00:01",
        "9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59+00:00", "9999-12-31T12:00:00+11:59",
        "1969-12-31T23:59:59.999999Z", "2026-12-03T10:00:00+14:00",
    ]

    @Test func everyPartFoldsTheEdgesOfTheRange() async throws {
        let decoder = EventDecoder()
        var chunk = CopyBinaryEncoder()
        var expected: [(session: String, start: String, end: String)] = []
        for (i, instant) in Self.instants.enumerated() {
            let session = "0190c1a0-0000-7000-8000-00000000000\(i)"
            for (k, type) in ["session_start", "llm_request", "tool_use", "user_interaction", "session_end"].enumerated() {
                let json = #"{"id":"0190c1a0-0000-7000-8000-0000000\#(i)0\#(k)00","timestamp":"\#(instant)","eventType":"\#(type)","agentId":"claude-code","sessionId":"\#(session)","projectId":1,"context":{"workspaceId":"ws-\#(i)","machineId":"m-\#(i)"},"data":{"toolName":"Bash","prompt":"hi","model":"claude-sonnet-4"},"metrics":{"durationMs":12,"inputTokens":100,"outputTokens":7,"cost":0.01}}"#
                let event = try decoder.decode(json).get()
                chunk.append(event)
            }
            let utc = try #require(Timestamp(rfc3339: instant)).rfc3339
            expected.append((session, utc, utc))
        }
        let db = try await TestDatabase.fresh()
        let batch = [chunk]
        let (deadLetters, sessions, hourly, rawHourly, daily, rawDaily, messages) = try await TestDatabase.query(db) { conn throws(StoreError) in
            let outcome = try EventWriter.write(batch, on: conn)
            precondition(outcome.refused.isEmpty && outcome.inserted == 40)
            try catchUp(on: conn)
            return (try DeadLetters.list(on: conn).map { "\($0.part): \($0.error)" },
                    try conn.execute("""
                        SELECT id::text, to_char(start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                               to_char(end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                        FROM agent_sessions ORDER BY id
                        """).rows,
                    try conn.execute(RawAggregates.projected).rows, try conn.execute(RawAggregates.raw).rows,
                    try conn.execute(RawAggregates.dailyProjected).rows, try conn.execute(RawAggregates.dailyRaw).rows,
                    try conn.execute("SELECT count(*) FROM chat_messages").scalar(String.self))
        }
        #expect(deadLetters.isEmpty, "\(deadLetters)")
        #expect(sessions.map { $0.map { $0 ?? "" } } == expected.map { [$0.session, $0.start, $0.end] })
        #expect(hourly == rawHourly)
        #expect(daily == rawDaily)
        #expect(messages == "8")
    }
}
