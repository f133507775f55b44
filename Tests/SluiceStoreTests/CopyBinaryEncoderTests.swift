import Foundation
import Testing
import SluiceCore
@testable import SluiceStore

@Suite struct CopyBinaryEncoderTests {
    let id = UUID(uuidString: "00000000-0000-7000-8000-000000000001")!
    let session = UUID(uuidString: "00000000-0000-7000-8000-000000000002")!

    func event(_ type: String = "x", data: String = #"{"k":1}"#, metrics: String? = nil) throws -> AgentEvent {
        AgentEvent(
            id: id, timestamp: Timestamp(microsecondsSinceEpoch: Timestamp.postgresEpochOffset + 1), eventType: type,
            agentId: "a", agentVersion: "", sessionId: session, projectId: 258, context: try JSONText("{}"),
            data: try JSONText(data), metrics: try metrics.map { try JSONText($0) }, parentEventId: nil,
            relatedEventIds: [], tags: ["t"], severity: .info)
    }

    /// The 14 log columns of ``event(_:data:)`` (metrics NULL).
    func logFields(_ type: String = "x", data: String = #"{"k":1}"#) -> [UInt8] {
        var expected: [UInt8] = []
        expected += [0, 0, 0, 16] + Array(id.bytes)                           // id
        expected += [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1]                      // timestamp: 1µs after 2000-01-01
        expected += [0, 0, 0, UInt8(type.utf8.count)] + Array(type.utf8)     // event_type
        expected += [0, 0, 0, 1, UInt8(ascii: "a")]                           // agent_id
        expected += [0, 0, 0, 0]                                              // agent_version ""
        expected += [0, 0, 0, 16] + Array(session.bytes)                      // session_id
        expected += [0, 0, 0, 4, 0, 0, 1, 2]                                  // project_id 258
        expected += [0, 0, 0, 3, 1] + Array("{}".utf8)                        // context (jsonb v1)
        expected += [0, 0, 0, UInt8(data.utf8.count + 1), 1] + Array(data.utf8)  // data
        expected += [0xFF, 0xFF, 0xFF, 0xFF]                                  // metrics NULL
        expected += [0xFF, 0xFF, 0xFF, 0xFF]                                  // parent_event_id NULL
        expected += [0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25]        // related_event_ids '{}'
        expected += [0, 0, 0, 25, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, UInt8(ascii: "t")]  // tags {t}
        expected += [0, 0, 0, 4] + Array("info".utf8)                         // severity
        return expected
    }

    @Test func encodesARowExactly() throws {
        var encoder = CopyBinaryEncoder()
        encoder.append(try event())
        var expected: [UInt8] = [0, 25] + logFields()                         // 14 + 11 fields
        expected += [0, 0, 0, 2, 0, 1]                                        // facts version 1
        for _ in 0..<6 { expected += [0xFF, 0xFF, 0xFF, 0xFF] }               // no duration, tokens, cost
        expected += [0, 0, 0, 0]                                              // model ""
        expected += [0xFF, 0xFF, 0xFF, 0xFF]                                  // tool_name: not a tool call
        expected += [0, 0, 0, 1, 0]                                           // tool_failure false
        expected += [0, 0, 0, 1, 1]                                           // session_simple true
        #expect(encoder.bytes == expected)
        #expect(encoder.rowCount == 1)
        let stream = CopyBinaryEncoder.stream([encoder])
        #expect(Array(stream.prefix(19)) == Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(stream.suffix(2)) == [0xFF, 0xFF])
        #expect(stream.count == 19 + expected.count + 2)
    }

    @Test func withoutFactsARowHasTheLogColumnsOnly() throws {
        var encoder = CopyBinaryEncoder(includesFacts: false)
        encoder.append(try event())
        #expect(encoder.bytes == [0, 14] + logFields())
    }

    @Test func factsOfAToolCallAreTypedColumns() throws {
        var encoder = CopyBinaryEncoder()
        let data = #"{"toolName":"Bash","success":false}"#
        encoder.append(try event("tool_use", data: data))
        var expected: [UInt8] = [0, 25] + logFields("tool_use", data: data)
        expected += [0, 0, 0, 2, 0, 1]
        for _ in 0..<6 { expected += [0xFF, 0xFF, 0xFF, 0xFF] }
        expected += [0, 0, 0, 0]                                              // model ""
        expected += [0, 0, 0, 4] + Array("Bash".utf8)                         // tool_name
        expected += [0, 0, 0, 1, 1]                                           // tool_failure true
        expected += [0, 0, 0, 1, 1]                                           // session_simple
        #expect(encoder.bytes == expected)
    }

    @Test func numericFactsUseBase10000Digits() throws {
        var encoder = CopyBinaryEncoder()
        encoder.append(try event(metrics: #"{"durationMs":12345,"costUSD":0.0123}"#))
        let bytes = encoder.bytes
        // duration_ms 12345 = 1·10000 + 2345: two digits, weight 1, positive, scale 0.
        let duration: [UInt8] = [0, 0, 0, 12, 0, 2, 0, 1, 0, 0, 0, 0, 0, 1, 0x09, 0x29]
        // cost_usd 0.0123 = 123·10000⁻¹: one digit, weight -1, scale 4.
        let cost: [UInt8] = [0, 0, 0, 10, 0, 1, 0xFF, 0xFF, 0, 0, 0, 4, 0, 123]
        #expect(bytes.firstRange(of: duration) != nil)
        #expect(bytes.firstRange(of: cost) != nil)
    }
}
