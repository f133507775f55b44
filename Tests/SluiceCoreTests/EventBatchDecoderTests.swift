import Testing
@testable import SluiceCore

@Suite struct EventBatchDecoderTests {
    let good = #"{"timestamp":"2026-11-25T04:00:00Z","eventType":"x","agentId":"a","agentVersion":"1","sessionId":"0190c1a0-0000-7000-8000-000000000001","projectId":1}"#
    let bad = #"{"timestamp":"2026-11-25T04:00:00Z","eventType":"x","agentId":"a","agentVersion":"1","sessionId":"nope","projectId":1}"#

    func decode(_ body: String, _ format: BatchFormat = .json, limit: Int = 10_000) throws(EventBatchDecoder.Failure) -> [EventDecoder.Outcome] {
        try EventBatchDecoder(maximumEvents: limit).decode(Array(body.utf8), format: format)
    }

    func stored(_ outcomes: [EventDecoder.Outcome]) -> [Bool] {
        outcomes.map { if case .success = $0 { true } else { false } }
    }

    @Test func acceptsArraysEnvelopesAndSingleEvents() throws {
        #expect(stored(try decode("[\(good), \(bad), \(good)]")) == [true, false, true])
        #expect(stored(try decode(#"{"events":[\#(good),\#(good)]}"#)) == [true, true])
        #expect(stored(try decode(good)) == [true])
        #expect(try decode("[]").isEmpty)
    }

    @Test func isolatesAStructurallyOddEventInsideAValidArray() throws {
        // Invalid UTF-8 and a wrong type inside one event leave the others untouched.
        var bytes = Array("[\(good),{\"timestamp\":\"2026-11-25T04:00:00Z\",\"eventType\":\"\u{E9}\"},\(good)]".utf8)
        if let i = bytes.firstIndex(of: 0xC3) { bytes[i] = 0xFF }
        let outcomes = try EventBatchDecoder().decode(bytes, format: .json)
        #expect(stored(outcomes) == [true, false, true])
    }

    @Test func readsNDJSONLineByLine() throws {
        let body = "\(good)\n\n\(bad)\r\n{not json\n\(good)\n"
        #expect(stored(try decode(body, .ndjson)) == [true, false, false, true])
    }

    @Test(arguments: ["", "[", "[1,", #"{"events":[1}"#, "nonsense", "[\(#"{"a":1}"#)] trailing", #"{"events":{}}"#])
    func refusesBodiesThatCannotBeRead(_ body: String) {
        #expect(throws: EventBatchDecoder.Failure.self) { try decode(body) }
    }

    @Test func refusesTooManyEvents() {
        let body = "[" + Array(repeating: good, count: 11).joined(separator: ",") + "]"
        #expect(throws: EventBatchDecoder.Failure.tooManyEvents(limit: 10)) { try decode(body, limit: 10) }
    }
}
