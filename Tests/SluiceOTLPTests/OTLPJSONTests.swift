import Foundation
import OpenTelemetryProto
import SluiceCore
import SluiceOTLP
import SwiftProtobuf
import Testing

/// OTLP/JSON as exporters write it: lowerCamelCase names, 64-bit integers as strings, enums as
/// integers, hex trace and span ids.
@Suite struct OTLPJSONTests {
    let mapper = OTLPMapper(defaultProjectId: 3)

    static let claudeCodeJSON = #"""
    {"resourceLogs":[{"resource":{"attributes":[
        {"key":"service.name","value":{"stringValue":"claude-code"}},
        {"key":"service.version","value":{"stringValue":"2.0.14"}},
        {"key":"host.arch","value":{"stringValue":"arm64"}}]},
      "scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events","version":"2.0.14"},
        "logRecords":[
          {"timeUnixNano":"1795579200123456789","observedTimeUnixNano":"1795579200123999000",
           "severityNumber":9,"severityText":"INFO",
           "body":{"stringValue":"claude_code.api_request"},
           "attributes":[
             {"key":"event.name","value":{"stringValue":"api_request"}},
             {"key":"session.id","value":{"stringValue":"0190c1a0-0000-7000-8000-00000000c1a0"}},
             {"key":"event.sequence","value":{"intValue":"7"}},
             {"key":"model","value":{"stringValue":"claude-opus-4"}},
             {"key":"input_tokens","value":{"intValue":"1500"}},
             {"key":"output_tokens","value":{"intValue":420}},
             {"key":"cost_usd","value":{"doubleValue":0.0321}},
             {"key":"duration_ms","value":{"doubleValue":2500}}],
           "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","flags":1,
           "someFutureField":{"x":1}}]}]}]}
    """#

    @Test func decodesExporterJSON() throws {
        let request = try OTLPDecoder.logs(Array(Self.claudeCodeJSON.utf8), .json)
        let record = request.resourceLogs[0].scopeLogs[0].logRecords[0]
        #expect(record.timeUnixNano == 1_795_579_200_123_456_789)
        #expect(record.severityNumber == .info)
        #expect(record.traceID.count == 16 && record.spanID.count == 8)
        let event = try mapper.events(from: request)[0].get()
        #expect(event.eventType == "llm_request")
        #expect(event.projectId == 3)
        #expect(event.severity == .info)
        let metrics = object(event.metrics)
        #expect(metrics["inputTokens"] as? Int == 1500)
        #expect(metrics["outputTokens"] as? Int == 420)
        #expect(metrics["costUSD"] as? Double == 0.0321)
        #expect(metrics["durationMs"] as? Int == 2500)
        let context = object(event.context)
        #expect(context["traceId"] as? String == "5b8efff798038103d269b633813fc60c")
        #expect(context["spanId"] as? String == "eee19b7ec3c1b174")
        #expect(context["scopeVersion"] as? String == "2.0.14")
    }

    /// As captured from Claude Code 2.1 (integers as JSON numbers, cost also in micros).
    @Test func newerClaudeCodeShapes() throws {
        let json = #"""
        {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},
          "scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events"},"logRecords":[
            {"timeUnixNano":"1785150142488000000","body":{"stringValue":"claude_code.api_request"},"attributes":[
              {"key":"session.id","value":{"stringValue":"65aa32c1-0000-4000-8000-000000000001"}},
              {"key":"model","value":{"stringValue":"claude-opus-5"}},
              {"key":"input_tokens","value":{"intValue":2}},{"key":"output_tokens","value":{"intValue":4}},
              {"key":"cache_read_tokens","value":{"intValue":15273}},{"key":"cache_creation_tokens","value":{"intValue":8271}},
              {"key":"cost_usd_micros","value":{"intValue":90457}},
              {"key":"event.timestamp","value":{"stringValue":"2026-07-27T11:02:22.488Z"}}]}]}]}]}
        """#
        let event = try mapper.events(from: OTLPDecoder.logs(Array(json.utf8), .json))[0].get()
        #expect(event.timestamp.rfc3339 == "2026-07-27T11:02:22.488000Z")
        let metrics = object(event.metrics)
        #expect(metrics["cacheReadTokens"] as? Int == 15273)
        #expect(metrics["costUSD"] as? Double == 0.090457)
    }

    @Test func acceptsProtoFieldNamesAndBase64Ids() throws {
        let json = #"""
        {"resource_logs":[{"scope_logs":[{"log_records":[
          {"time_unix_nano":1795579200000000000,"severity_number":"SEVERITY_NUMBER_ERROR","body":{"string_value":"boom"},
           "trace_id":"W47/95gDgQPSabYzgT/GDA==","span_id":"7uGbfsPBsXQ="}]}]}]}
        """#
        let request = try OTLPDecoder.logs(Array(json.utf8), .json)
        let event = try mapper.events(from: request)[0].get()
        #expect(event.eventType == "otel_log")
        #expect(event.agentId == "unknown_service")
        #expect(event.severity == .error)
        #expect(object(event.context)["traceId"] as? String == "5b8efff798038103d269b633813fc60c")
        #expect(object(event.context)["spanId"] as? String == "eee19b7ec3c1b174")
        #expect(object(event.data)["body"] as? String == "boom")
    }

    @Test func nestedValuesBecomeJSON() throws {
        let json = #"""
        {"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1795579200000000000",
          "body":{"kvlistValue":{"values":[{"key":"user","value":{"kvlistValue":{"values":[{"key":"id","value":{"intValue":"9007199254740993"}}]}}},
                                           {"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"boolValue":true},{"doubleValue":1.5}]}}},
                                           {"key":"raw","value":{"bytesValue":"AAEC"}},
                                           {"key":"nothing","value":{}}]}},
          "attributes":[{"key":"ratio","value":{"doubleValue":"NaN"}}]}]}]}]}
        """#
        let event = try mapper.events(from: OTLPDecoder.logs(Array(json.utf8), .json))[0].get()
        // Integers beyond 2^53 stay exact in the stored text.
        #expect(event.data.description.contains(#""id":9007199254740993"#))
        #expect(event.data.description.contains(#""tags":["a",true,1.5]"#))
        #expect(event.data.description.contains(#""raw":"AAEC""#))
        #expect(event.data.description.contains(#""nothing":null"#))
        #expect(event.data.description.contains(#""ratio":"NaN""#))
    }

    @Test func unreadableBodiesAreErrors() {
        #expect(throws: OTLPDecodingError.self) { try OTLPDecoder.logs(Array("{\"resourceLogs\": [".utf8), .json) }
        #expect(throws: OTLPDecodingError.self) { try OTLPDecoder.logs([0xFF, 0xFF, 0xFF, 0x01], .protobuf) }
        #expect(throws: OTLPDecodingError.self) { try OTLPDecoder.metrics(Array("[1,2]".utf8), .json) }
        // An empty body is an empty export.
        #expect((try? OTLPDecoder.logs([], .protobuf))?.resourceLogs.isEmpty == true)
    }

    @Test func contentTypes() {
        #expect(OTLPEncoding(contentType: "application/x-protobuf") == .protobuf)
        #expect(OTLPEncoding(contentType: "application/protobuf") == .protobuf)
        #expect(OTLPEncoding(contentType: "Application/JSON; charset=utf-8") == .json)
        #expect(OTLPEncoding(contentType: nil) == .protobuf)
        #expect(OTLPEncoding(contentType: "text/plain") == nil)
    }

    @Test func responsesFollowTheSpec() throws {
        let full = OTLPResponse.logs(rejected: 0, errorMessage: "", .json)
        #expect(String(decoding: full, as: UTF8.self) == "{}")
        let partial = OTLPResponse.logs(rejected: 2, errorMessage: "2 log records rejected: …", .json)
        let parsed = try JSONSerialization.jsonObject(with: Data(partial)) as? [String: Any]
        let success = parsed?["partialSuccess"] as? [String: Any]
        #expect(success?["rejectedLogRecords"] as? String == "2")
        #expect(success?["errorMessage"] as? String == "2 log records rejected: …")
        let binary = OTLPResponse.metrics(rejected: 1, errorMessage: "x", .protobuf)
        let decoded = try ExportMetricsResponse(serializedBytes: binary)
        #expect(decoded.partialSuccess.rejectedDataPoints == 1 && decoded.partialSuccess.errorMessage == "x")
        // google.rpc.Status: code 3 (field 1, varint), message (field 2, bytes).
        #expect(OTLPResponse.status(.invalidArgument, "bad", .protobuf) == [0x08, 0x03, 0x12, 0x03] + Array("bad".utf8))
        #expect(String(decoding: OTLPResponse.status(.unavailable, "down", .json), as: UTF8.self) == #"{"code":14,"message":"down"}"#)
        #expect(OTLPResponse.summary(["a", "b", "c"], noun: "log record", limit: 2) == "3 log records rejected: a; b; and 1 more")
    }
}
