import Foundation
import OpenTelemetryProto
import SluiceCore
import SluiceOTLP
import SwiftProtobuf
import Testing

@Suite struct MetricMappingTests {
    let mapper = OTLPMapper(defaultProjectId: 5)

    @Test func dataPointsBecomeMetricEventsWithoutAggregateMetrics() throws {
        let bytes: [UInt8] = try Fixtures.claudeCodeMetrics.serializedBytes()
        let events = try mapper.events(from: OTLPDecoder.metrics(bytes, .protobuf)).map { try $0.get() }
        #expect(events.count == 5)
        #expect(events.allSatisfy { $0.eventType == "metric" && $0.metrics == nil && $0.projectId == 5 })
        #expect(events.allSatisfy { $0.agentId == "claude-code" })
        #expect(events[0].sessionId == UUID(uuidString: Fixtures.session))
        #expect(events[0].timestamp.rfc3339 == "2026-11-25T04:01:00.123457Z")

        let input = object(events[0].data)
        #expect(input["name"] as? String == "claude_code.token.usage")
        #expect(input["kind"] as? String == "sum")
        #expect(input["temporality"] as? String == "delta")
        #expect(input["monotonic"] as? Bool == true)
        #expect(input["unit"] as? String == "tokens")
        #expect(input["value"] as? Int == 1200)
        #expect(input["startTime"] as? String == "2026-11-25T04:00:00.123457Z")
        #expect((input["attributes"] as? [String: Any])?["type"] as? String == "input")
        #expect(object(events[2].data)["value"] as? Double == 0.01234)

        let histogram = object(events[4].data)
        #expect(histogram["kind"] as? String == "histogram" && histogram["temporality"] as? String == "cumulative")
        #expect(histogram["count"] as? Int == 3 && histogram["sum"] as? Int == 60)
        #expect(histogram["bucketCounts"] as? [Int] == [1, 2, 0])
        #expect(events[4].agentId == "claude-code")  // its resource is Claude Code's
    }

    @Test func idsAreDeterministicAndDistinct() throws {
        let a = mapper.events(from: Fixtures.claudeCodeMetrics).compactMap { try? $0.get().id }
        let json: [UInt8] = try Fixtures.claudeCodeMetrics.jsonUTF8Bytes()
        let b = try mapper.events(from: OTLPDecoder.metrics(json, .json)).compactMap { try? $0.get().id }
        #expect(a == b)
        #expect(Set(a).count == 5)
    }

    @Test func pointsWithoutTimeAreRejected() {
        var request = Fixtures.claudeCodeMetrics
        request.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[1].timeUnixNano = 0
        request.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[1].startTimeUnixNano = 0
        var empty = Metric()
        empty.name = "nothing"
        request.resourceMetrics[0].scopeMetrics[0].metrics.append(empty)
        let outcomes = mapper.events(from: request)
        let failures = outcomes.compactMap { if case .failure(let f) = $0 { f.description } else { nil } }
        #expect(failures == [
            "resourceMetrics[0].scopeMetrics[0].metrics[0].dataPoints[1]: no timestamp: timeUnixNano and startTimeUnixNano are unset",
            "resourceMetrics[0].scopeMetrics[0].metrics[4]: metric nothing has no data (gauge, sum, histogram, exponentialHistogram or summary)",
        ])
        #expect(outcomes.count == 6)
    }
}
