import Foundation
import OpenTelemetryProto
import SluiceCore
import SluiceOTLP
import SwiftProtobuf
import Testing

func object(_ text: JSONText?) -> [String: Any] {
    guard let text else { return [:] }
    return (try? JSONSerialization.jsonObject(with: Data(text.bytes))) as? [String: Any] ?? [:]
}

@Suite struct LogMappingTests {
    let mapper = OTLPMapper(defaultProjectId: 7)

    func mapped(_ request: ExportLogsRequest, via encoding: OTLPEncoding = .protobuf) throws -> [AgentEvent] {
        let bytes: [UInt8] = encoding == .protobuf ? try request.serializedBytes() : try request.jsonUTF8Bytes()
        return try mapper.events(from: OTLPDecoder.logs(bytes, encoding)).map { try $0.get() }
    }

    @Test func claudeCodeEventsBecomeAgentEvents() throws {
        let events = try mapped(Fixtures.claudeCodeLogs)
        #expect(events.map(\.eventType) == [
            "user_interaction", "llm_request", "tool_use", "tool_decision", "error_encountered", "claude_code.api_refusal", "otel_log",
        ])
        let session = try #require(UUID(uuidString: Fixtures.session))
        for e in events.prefix(6) {
            #expect(e.sessionId == session)
            #expect(e.projectId == 7)
            #expect(e.agentId == "claude-code")
            #expect(e.agentVersion == "2.0.14")
        }
        #expect(events[0].timestamp.rfc3339 == "2026-11-25T04:00:00.123457Z")

        let prompt = object(events[0].data)
        #expect(prompt["prompt"] as? String == "fix the failing swift test")
        #expect(prompt["promptLength"] as? Int == 24)
        #expect((prompt["attributes"] as? [String: Any])?["user.email"] as? String == "dev@example.com")
        #expect(events[0].parentEventId == nil)

        let request = events[1]
        #expect(object(request.data)["model"] as? String == "claude-sonnet-4-5")
        #expect(object(request.data)["requestId"] as? String == "req_011")
        let metrics = object(request.metrics)
        #expect(metrics["inputTokens"] as? Int == 1200)
        #expect(metrics["outputTokens"] as? Int == 300)
        #expect(metrics["cacheReadTokens"] as? Int == 5000)
        #expect(metrics["cacheCreationTokens"] as? Int == 0)
        #expect(metrics["costUSD"] as? Double == 0.01234)
        #expect(metrics["durationMs"] as? Int == 1834)
        // Every event of the prompt points at the prompt's event.
        #expect(request.parentEventId == events[0].id)
        #expect(events[2].parentEventId == events[0].id)

        let tool = object(events[2].data)
        #expect(tool["toolName"] as? String == "Bash")
        #expect(tool["success"] as? Bool == false)
        #expect(tool["error"] as? String == "exit code 1")
        #expect(tool["decision"] as? String == "accept")
        #expect(tool["decisionSource"] as? String == "config")
        #expect(tool["command"] as? String == "swift test --filter X")
        #expect((tool["toolParameters"] as? [String: Any])?["timeout"] as? Int == 120000)
        #expect(object(events[2].metrics)["durationMs"] as? Int == 412)

        let decision = object(events[3].data)
        #expect(decision["toolName"] as? String == "Edit" && decision["decision"] as? String == "reject")
        #expect(decision["source"] as? String == "user_reject")
        #expect(events[3].metrics == nil)

        let error = events[4]
        #expect(error.severity == .error)
        #expect(object(error.data)["statusCode"] as? Int == 529)
        #expect(object(error.data)["attempt"] as? Int == 2)
        #expect(object(error.metrics)["durationMs"] as? Double == 95.5)

        // An event Sluice does not know keeps its name and attributes.
        let refusal = object(events[5].data)
        #expect((refusal["attributes"] as? [String: Any])?["model"] as? String == "claude-sonnet-4-5")

        // A plain log line: body, severity, trace context, attributes typed as sent.
        let line = events[6]
        #expect(line.severity == .warning)
        let data = object(line.data)
        #expect(data["body"] as? String == "disk almost full")
        #expect((data["attributes"] as? [String: Any])?["free_pct"] as? Double == 3.5)
        let context = object(line.context)
        #expect(context["traceId"] as? String == "000102030405060708090a0b0c0d0e0f")
        #expect(context["spanId"] as? String == "f0f1f2f3f4f5f6f7")
        #expect(context["scope"] as? String == "app")
        #expect((context["resource"] as? [String: Any])?["os.type"] as? String == "linux")
        #expect(object(events[0].context)["promptId"] as? String == Fixtures.prompt)
    }

    @Test func idsAreDeterministicAcrossRetriesAndEncodings() throws {
        let a = try mapped(Fixtures.claudeCodeLogs)
        let b = try mapped(Fixtures.claudeCodeLogs)
        let c = try mapped(Fixtures.claudeCodeLogs, via: .json)
        #expect(a.map(\.id) == b.map(\.id))
        #expect(a.map(\.id) == c.map(\.id))
        #expect(a == c)
        #expect(Set(a.map(\.id)).count == a.count)
        // Another sequence number is another event.
        var other = Fixtures.claudeCodeLogs
        other.resourceLogs[0].scopeLogs[0].logRecords[1].attributes[7] = Fixtures.kv("event.sequence", int: 99)
        #expect(try mapped(other)[1].id != a[1].id)
    }

    @Test func redactedPromptsAreNotChatMessages() throws {
        var request = Fixtures.claudeCodeLogs
        request.resourceLogs[0].scopeLogs[0].logRecords[0].attributes.append(Fixtures.kv("prompt", "<REDACTED>"))
        let data = object(try mapped(request)[0].data)
        #expect(data["prompt"] == nil)
        #expect(data["promptLength"] as? Int == 24)
    }

    @Test func eventNameFromTheEventNameFieldOrAttribute() throws {
        var request = Fixtures.claudeCodeLogs
        // Newer SDKs set LogRecord.event_name and may leave the body empty.
        request.resourceLogs[0].scopeLogs[0].logRecords[1].clearBody()
        request.resourceLogs[0].scopeLogs[0].logRecords[1].eventName = "claude_code.api_request"
        // Only the event.name attribute, from a Claude Code resource.
        request.resourceLogs[0].scopeLogs[0].logRecords[2].clearBody()
        let events = try mapped(request)
        #expect(events[1].eventType == "llm_request")
        #expect(events[2].eventType == "tool_use")
    }

    @Test func badRecordsAreRejectedAloneWithTheirLocation() throws {
        var request = Fixtures.claudeCodeLogs
        var records = request.resourceLogs[0].scopeLogs[0].logRecords
        records[1].timeUnixNano = 0
        records[1].observedTimeUnixNano = 0
        records[1].attributes.removeAll { $0.key == "event.timestamp" }
        records[2].attributes.append(Fixtures.kv("note", "nul\u{0}inside"))
        records[3].attributes.append(Fixtures.kv(OTLPMapper.projectAttribute, "zero"))
        records[4].attributes.append(Fixtures.kv(OTLPMapper.projectAttribute, int: 42))
        request.resourceLogs[0].scopeLogs[0].logRecords = records
        let outcomes = mapper.events(from: request)
        #expect(outcomes.count == 7)
        func failure(_ i: Int) -> String? {
            if case .failure(let f) = outcomes[i] { return f.description }
            return nil
        }
        #expect(failure(0) == nil)
        #expect(failure(1)?.hasPrefix("resourceLogs[0].scopeLogs[0].logRecords[1]: no timestamp") == true)
        #expect(failure(2)?.contains("NUL") == true)
        #expect(failure(3)?.contains("sluice.project.id: must be a positive 32-bit integer") == true)
        #expect(try outcomes[4].get().projectId == 42)

        // event.timestamp alone is enough.
        var onlyAttribute = Fixtures.claudeCodeLogs
        onlyAttribute.resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano = 0
        onlyAttribute.resourceLogs[0].scopeLogs[0].logRecords[0].observedTimeUnixNano = 0
        #expect(try mapper.events(from: onlyAttribute)[0].get().timestamp.rfc3339 == "2026-11-25T04:00:00.123000Z")
    }

    @Test func oversizedEventsAreRejected() throws {
        var request = Fixtures.claudeCodeLogs
        request.resourceLogs[0].scopeLogs[0].logRecords[0].attributes.append(Fixtures.kv("big", String(repeating: "x", count: 3000)))
        let small = OTLPMapper(defaultProjectId: 1, maximumEventBytes: 2048)
        let outcomes = small.events(from: request)
        guard case .failure(let f) = outcomes[0] else { Issue.record("expected a rejection"); return }
        #expect(f.reason.contains("the limit is 2048"))
        #expect((try? outcomes[1].get()) != nil)
    }

    @Test func recordsWithoutASessionGetOnePerResource() throws {
        var request = Fixtures.claudeCodeLogs
        request.resourceLogs[0].scopeLogs[1].logRecords.append(request.resourceLogs[0].scopeLogs[1].logRecords[0])
        request.resourceLogs[0].scopeLogs[1].logRecords[1].timeUnixNano += 1000
        let events = try mapped(request)
        #expect(events[6].sessionId == events[7].sessionId)
        #expect(events[6].sessionId != events[0].sessionId)
        #expect(events[6].id != events[7].id)
        // A session id that is not a UUID is hashed into one, stably.
        request.resourceLogs[0].resource.attributes.append(Fixtures.kv("session.id", "build-42"))
        let again = try mapped(request)
        #expect(again[6].sessionId == (try mapped(request))[6].sessionId)
        #expect(again[6].sessionId != events[6].sessionId)
    }

    @Test func otherServicesKeepTheirName() throws {
        var request = Fixtures.claudeCodeLogs
        request.resourceLogs[0].resource.attributes = [Fixtures.kv("service.name", "checkout"), Fixtures.kv("service.version", "1.2")]
        let events = try mapped(request)
        // Claude Code's records are recognised by name; the plain line belongs to its service.
        #expect(events[0].agentId == "claude-code")
        #expect(events[6].agentId == "checkout")
        #expect(events[6].agentVersion == "1.2")
    }
}
