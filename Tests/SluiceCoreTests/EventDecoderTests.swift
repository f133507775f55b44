import Foundation
import Testing
@testable import SluiceCore

@Suite struct EventDecoderTests {
    let decoder = EventDecoder()
    static let session = "0190c1a0-0000-7000-8000-000000000001"

    func event(_ fields: String) -> String {
        #"{"timestamp":"2026-11-25T04:00:00.123456Z","eventType":"tool_use","agentId":"claude-code","agentVersion":"2.0.1","sessionId":"\#(Self.session)","projectId":7"# + (fields.isEmpty ? "" : "," + fields) + "}"
    }

    func rejection(_ json: String, defaults: EventDecoder.Defaults = .init()) -> EventRejection? {
        if case .failure(let r) = decoder.decode(json, defaults: defaults) { return r.rejection }
        return nil
    }

    @Test func decodesEveryField() throws {
        let json = event(#"""
            "id":"0190C1A0-0000-7000-8000-0000000000AA","context":{"cwd":"/w","n":[1,2]},"data":{"tool":"Read","ok":true},
            "metrics":{"durationMs":12},"parentEventId":"0190c1a0-0000-7000-8000-0000000000bb",
            "relatedEventIds":["x","y"],"tags":["t1","ü"],"severity":"warning","unknownField":{"ignored":1}
            """#)
        let e = try decoder.decode(json).get()
        #expect(e.id.lowercased == "0190c1a0-0000-7000-8000-0000000000aa")
        #expect(e.timestamp.rfc3339 == "2026-11-25T04:00:00.123456Z")
        #expect(e.eventType == "tool_use" && e.agentId == "claude-code" && e.agentVersion == "2.0.1")
        #expect(e.sessionId.lowercased == Self.session)
        #expect(e.projectId == 7)
        #expect(e.context.description == #"{"cwd":"/w","n":[1,2]}"#)
        #expect(e.data.description == #"{"tool":"Read","ok":true}"#)
        #expect(e.metrics?.description == #"{"durationMs":12}"#)
        #expect(e.parentEventId?.lowercased == "0190c1a0-0000-7000-8000-0000000000bb")
        #expect(e.relatedEventIds == ["x", "y"])
        #expect(e.tags == ["t1", "ü"])
        #expect(e.severity == .warning)
    }

    @Test func assignsTimeOrderedIdsWhenMissingOrEmpty() throws {
        let a = try decoder.decode(event("")).get()
        let b = try decoder.decode(event(#""id":"""#)).get()
        #expect(a.id != b.id)
        #expect(a.id.uuidString.dropFirst(14).first == "7")  // version 7
        #expect(a.context == .emptyObject && a.data == .emptyObject && a.metrics == nil)
    }

    @Test func treatsNullDataAsEmpty() throws {
        // devlog's Go collector sends "data": null for a nil map.
        let e = try decoder.decode(event(#""data":null,"context":null"#)).get()
        #expect(e.data == .emptyObject && e.context == .emptyObject)
    }

    @Test func movesCollectorHierarchyIdsIntoContext() throws {
        let e = try decoder.decode(event(#""machineId":3,"workspaceId":9,"context":{"branch":"main"}"#)).get()
        #expect(e.context.description == #"{"machineId":3,"workspaceId":9,"branch":"main"}"#)
        let f = try decoder.decode(event(#""machineId":3"#)).get()
        #expect(f.context.description == #"{"machineId":3}"#)
        #expect(try JSONText(f.context.description) == f.context)
    }

    @Test func usesTheKeysProjectWhenTheEventNamesNone() throws {
        let json = #"{"timestamp":"2026-11-25T04:00:00Z","eventType":"x","agentId":"a","sessionId":"\#(Self.session)"}"#
        #expect(rejection(json)?.field == "projectId")
        #expect(try decoder.decode(json, defaults: .init(projectId: 42)).get().projectId == 42)
    }

    @Test(arguments: [
        (#""timestamp":"yesterday""#, "timestamp"),
        (#""timestamp":null"#, "timestamp"),
        (#""timestamp":"2026-11-25T04:00:00""#, "timestamp"),
        (#""severity":"fatal""#, "severity"),
        (#""id":"not-a-uuid""#, "id"),
        (#""sessionId":"0190c1a0-0000-7000-8000-00000000000g""#, "sessionId"),
        (#""parentEventId":"x""#, "parentEventId"),
        (#""projectId":-1"#, "projectId"),
        (#""projectId":"7""#, "projectId"),
        (#""projectId":99999999999"#, "projectId"),
        (#""eventType":"""#, "eventType"),
        (#""agentId":5"#, "agentId"),
        (#""data":[1,2]"#, "data"),
        (#""metrics":"fast""#, "metrics"),
        (#""tags":["a",1]"#, "tags"),
        (#""relatedEventIds":"x""#, "relatedEventIds"),
        (#""data":{"k":"a\u0000b"}"#, "data.k"),
        (#""agentVersion":"v\u0000""#, "agentVersion"),
    ])
    func rejectsWithTheFieldNamed(_ fields: String, _ field: String) {
        // A later duplicate key wins, as in jsonb, so appending overrides the valid value.
        let r = rejection(event(fields))
        #expect(r?.field == field, "\(fields) → \(String(describing: r))")
        #expect(r?.reason.isEmpty == false)
    }

    @Test func rejectsNULAndInvalidUTF8InStrings() {
        #expect(rejection(event(#""tags":["\u0000"]"#))?.reason.contains("NUL") == true)
        var bytes = Array(event(#""data":{"k":"ab"}"#).utf8)
        let i = bytes.firstIndex(of: UInt8(ascii: "b"))!
        bytes[i] = 0xFF
        let outcome = bytes.withUnsafeBufferPointer { decoder.decode($0, range: 0..<$0.count, defaults: .init()) }
        guard case .failure(let r) = outcome else { Issue.record("accepted invalid UTF-8"); return }
        #expect(r.rejection.field == "data.k" && r.rejection.reason.contains("UTF-8"))
    }

    @Test func rejectsDeepNestingAndOversizedEvents() {
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        #expect(rejection(event(#""data":{"d":\#(deep)}"#))?.reason.contains("deeper than 64") == true)
        let big = String(repeating: "x", count: 300_000)
        #expect(rejection(event(#""data":{"d":"\#(big)"}"#))?.reason.contains("limit is 262144") == true)
    }

    @Test func reportsTheIdOfARejectedEventWhenReadable() {
        let json = event(#""id":"0190c1a0-0000-7000-8000-0000000000aa","severity":"loud""#)
        guard case .failure(let r) = decoder.decode(json) else { Issue.record("accepted"); return }
        #expect(r.id?.lowercased == "0190c1a0-0000-7000-8000-0000000000aa")
    }
}

@Suite struct JSONTextFieldTests {
    @Test func readsTopLevelMembers() throws {
        let j = try JSONText(#"{"a":1,"n":{"a":2},"s":"x\"y","b":false,"k\u0065y":3,"a":4.5}"#)
        #expect(j.number("a") == 4.5)  // the last duplicate wins, as in jsonb
        #expect(j.member("n") == Array(#"{"a":2}"#.utf8))
        #expect(j.string("s") == "x\"y")
        #expect(j.bool("b") == false)
        #expect(j.number("key") == 3)  // escaped key
        #expect(j.member("missing") == nil && j.string("a") == nil)
    }
}
