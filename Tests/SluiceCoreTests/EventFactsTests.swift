import Foundation
import Testing
import SluiceCore

/// The hot fields read at ingest, under the SQL metric functions' rules (the agreement with
/// PostgreSQL itself is EventFactsAgreementTests).
@Suite struct EventFactsTests {
    static func event(_ type: String = "llm_request", data: String = "{}", metrics: String? = nil, context: String = "{}",
                      severity: Severity? = nil) throws -> AgentEvent {
        AgentEvent(timestamp: Timestamp(microsecondsSinceEpoch: 0), eventType: type, agentId: "a", agentVersion: "1",
                   sessionId: UUID(), projectId: 1, context: try JSONText(context), data: try JSONText(data),
                   metrics: try metrics.map { try JSONText($0) }, severity: severity)
    }

    static func facts(_ e: AgentEvent) throws -> EventFacts { try #require(EventFacts(e)) }

    @Test func readsTokensCostAndDurationWithTheirAliases() throws {
        let f = try Self.facts(Self.event(metrics: #"{"promptTokens": 12, "outputTokens": 3, "responseTokens": 9, "cacheReadTokens": 0.50, "cacheCreationTokens": -4, "costUSD": 0.0120, "durationMs": 1500}"#))
        #expect(f.tokensIn?.description == "12")
        #expect(f.tokensOut?.description == "3")  // outputTokens comes first
        #expect(f.tokensCacheRead?.description == "0.50")  // the scale as written, as numeric keeps it
        #expect(f.tokensCacheWrite?.description == "-4")
        #expect(f.costUSD?.description == "0.0120")
        #expect(f.durationMs?.description == "1500")
        #expect(f.sessionSimple == false)  // a fractional and a negative count
    }

    @Test func numbersOfNineTimesTenToTheFifteenOrMoreAreAbsent() throws {
        let f = try Self.facts(Self.event(metrics: #"{"inputTokens": 9000000000000000, "outputTokens": 8999999999999999.5, "cost": "1", "costUSD": 2}"#))
        #expect(f.tokensIn == nil)
        #expect(f.tokensOut?.description == "8999999999999999.5")
        #expect(f.costUSD?.description == "2")  // cost is not a number: costUSD is read
        #expect(f.sessionSimple == false)
    }

    @Test func lastDuplicateWinsAsInJsonb() throws {
        let f = try Self.facts(Self.event(metrics: #"{"inputTokens": 1, "inputTokens": 2}"#))
        #expect(f.tokensIn == ExactDecimal(significand: 2, scale: 0))
    }

    @Test func leavesToPostgreSQLWhatItCannotReadExactly() throws {
        #expect(EventFacts(try Self.event(metrics: #"{"inputTokens": 1e3}"#)) == nil)
        #expect(EventFacts(try Self.event(metrics: #"{"cost": 0.1234567890123456789}"#)) == nil)
        #expect(EventFacts(try Self.event(metrics: #"{"\u0063ost": 1}"#)) == nil)
        #expect(EventFacts(try Self.event("tool_use", data: #"{"status": "ÉRROR"}"#)) == nil)
        // A number under another key, or a string with an exponent in it, is not read at all.
        #expect(EventFacts(try Self.event(metrics: #"{"other": 1e3, "model": "x1e3"}"#)) != nil)
    }

    @Test func modelIsTheFirstStringOfDataMetricsThenContext() throws {
        #expect(try Self.facts(Self.event(data: #"{"model": 4}"#, metrics: #"{"model": "m"}"#, context: #"{"model": "c"}"#)).model == "m")
        #expect(try Self.facts(Self.event(data: #"{"model": ""}"#, metrics: #"{"model": "m"}"#)).model == "")
        #expect(try Self.facts(Self.event(context: #"{"model": "c\u00e9"}"#)).model == "cé")
        #expect(try Self.facts(Self.event()).model == "")
    }

    @Test func toolCallsHaveANameAndAVerdict() throws {
        #expect(try Self.facts(Self.event("tool_use", data: #"{"tool": "Bash", "name": "x"}"#)).toolName == "Bash")
        #expect(try Self.facts(Self.event("tool_invocation")).toolName == "")
        #expect(try Self.facts(Self.event("file_read", data: #"{"tool": "Bash", "success": false}"#)).toolName == nil)
        #expect(try Self.facts(Self.event("file_read", data: #"{"success": false}"#)).toolFailure == false)
        let failures = [#"{"success": false}"#, #"{"status": "FAILED"}"#, #"{"error": "boom"}"#, #"{"error": {}}"#, #"{"error": true}"#]
        for data in failures { #expect(try Self.facts(Self.event("tool_use", data: data)).toolFailure, "\(data)") }
        let successes = [#"{"success": true}"#, #"{"status": "ok"}"#, #"{"error": null}"#, #"{"error": false}"#, #"{"success": "false"}"#]
        for data in successes { #expect(try !Self.facts(Self.event("tool_use", data: data)).toolFailure, "\(data)") }
        #expect(try Self.facts(Self.event("tool_use", severity: .critical)).toolFailure)
    }

    @Test func sessionSimpleFollowsThePlainCountRule() throws {
        #expect(try Self.facts(Self.event(metrics: #"{"inputTokens": 5.0, "cost": 8999999999.9}"#)).sessionSimple)
        #expect(try !Self.facts(Self.event(metrics: #"{"cost": -9000000000}"#)).sessionSimple)
        #expect(try !Self.facts(Self.event("test_run")).sessionSimple)
        #expect(try Self.facts(Self.event(metrics: "null")).sessionSimple)
    }

    @Test func exactDecimalsParseAsWritten() {
        func parse(_ s: String) -> ExactDecimal? {
            let bytes = Array(s.utf8)
            return bytes.withUnsafeBufferPointer { ExactDecimal($0, 0..<$0.count) }
        }
        #expect(parse("-0") == ExactDecimal(significand: 0, scale: 0))
        #expect(parse("0.000001")?.description == "0.000001")
        #expect(parse("-12.340")?.description == "-12.340")
        #expect(parse("999999999999999999")?.significand == 999_999_999_999_999_999)
        #expect(parse("1999999999999999999") == nil)
        #expect(parse("0.0000000000000000000001")?.scale == 22)  // leading zeros are not digits that count
        #expect(parse("1E2") == nil)
    }
}
