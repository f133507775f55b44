import Foundation
import Testing
import SluiceCore
@testable import SluiceStore

@Suite struct CopyBinaryEncoderTests {
    @Test func encodesARowExactly() throws {
        let id = try #require(UUID(uuidString: "00000000-0000-7000-8000-000000000001"))
        let session = try #require(UUID(uuidString: "00000000-0000-7000-8000-000000000002"))
        var encoder = CopyBinaryEncoder()
        encoder.append(AgentEvent(
            id: id, timestamp: Timestamp(microsecondsSinceEpoch: Timestamp.postgresEpochOffset + 1), eventType: "x",
            agentId: "a", agentVersion: "", sessionId: session, projectId: 258, context: try JSONText("{}"),
            data: try JSONText(#"{"k":1}"#), metrics: nil, parentEventId: nil, relatedEventIds: [], tags: ["t"],
            severity: .info))
        var expected: [UInt8] = [0, 14]                                       // 14 fields
        expected += [0, 0, 0, 16] + Array(id.bytes)                           // id
        expected += [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1]                      // timestamp: 1µs after 2000-01-01
        expected += [0, 0, 0, 1, UInt8(ascii: "x")]                           // event_type
        expected += [0, 0, 0, 1, UInt8(ascii: "a")]                           // agent_id
        expected += [0, 0, 0, 0]                                              // agent_version ""
        expected += [0, 0, 0, 16] + Array(session.bytes)                      // session_id
        expected += [0, 0, 0, 4, 0, 0, 1, 2]                                  // project_id 258
        expected += [0, 0, 0, 3, 1] + Array("{}".utf8)                        // context (jsonb v1)
        expected += [0, 0, 0, 8, 1] + Array(#"{"k":1}"#.utf8)                 // data
        expected += [0xFF, 0xFF, 0xFF, 0xFF]                                  // metrics NULL
        expected += [0xFF, 0xFF, 0xFF, 0xFF]                                  // parent_event_id NULL
        expected += [0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25]        // related_event_ids '{}'
        expected += [0, 0, 0, 25, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, UInt8(ascii: "t")]  // tags {t}
        expected += [0, 0, 0, 4] + Array("info".utf8)                         // severity
        #expect(encoder.bytes == expected)
        #expect(encoder.rowCount == 1)
        let stream = CopyBinaryEncoder.stream([encoder])
        #expect(Array(stream.prefix(19)) == Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(stream.suffix(2)) == [0xFF, 0xFF])
        #expect(stream.count == 19 + expected.count + 2)
    }
}
