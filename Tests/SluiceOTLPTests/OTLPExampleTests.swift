import Foundation
import OpenTelemetryProto
import SluiceCore
import SluiceOTLP
import Testing

/// The specification's own OTLP/JSON examples (upper-case hex ids, int64 strings, enum integers).
@Suite struct OTLPExampleTests {
    static func example(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Examples/\(name).json")
        return Array(try Data(contentsOf: url))
    }

    let mapper = OTLPMapper(defaultProjectId: 1)

    @Test func logsExample() throws {
        let request = try OTLPDecoder.logs(Self.example("logs"), .json)
        let event = try mapper.events(from: request)[0].get()
        #expect(event.eventType == "otel_log")
        #expect(event.agentId == "my.service")
        #expect(event.severity == .info)
        #expect(event.timestamp.rfc3339 == "2018-12-13T14:51:00.300000Z")
        let context = object(event.context)
        #expect(context["traceId"] as? String == "5b8efff798038103d269b633813fc60c")
        #expect(context["spanId"] as? String == "eee19b7ec3c1b174")
        #expect(context["scope"] as? String == "my.library")
        let data = object(event.data)
        #expect(data["body"] as? String == "Example log record")
        #expect(data["severityText"] as? String == "Information")
        let attributes = try #require(data["attributes"] as? [String: Any])
        #expect(attributes["int.attribute"] as? Int == 10)
        #expect(attributes["boolean.attribute"] as? Bool == true)
        #expect(attributes["double.attribute"] as? Double == 637.704)
        #expect(attributes["array.attribute"] as? [String] == ["many", "values"])
        #expect(attributes["map.attribute"] is [String: Any])
    }

    @Test func eventsExample() throws {
        let event = try mapper.events(from: OTLPDecoder.logs(Self.example("events"), .json))[0].get()
        #expect(event.eventType == "browser.page_view")
        let body = try #require(object(event.data)["body"] as? [String: Any])
        #expect(body["title"] as? String == "Free Online GUID Generator")
        #expect(body["type"] as? Int == 0)
    }

    @Test func metricsExample() throws {
        let events = try mapper.events(from: OTLPDecoder.metrics(Self.example("metrics"), .json)).map { try $0.get() }
        #expect(events.map { object($0.data)["kind"] as? String } == ["sum", "gauge", "histogram", "exponentialHistogram"])
        #expect(events.map { object($0.data)["name"] as? String } == ["my.counter", "my.gauge", "my.histogram", "my.exponential.histogram"])
        #expect(object(events[0].data)["value"] as? Int == 5)
        #expect(object(events[0].data)["temporality"] as? String == "delta")
        #expect(object(events[2].data)["bucketCounts"] as? [Int] == [1, 1])
        let positive = object(events[3].data)["positive"] as? [String: Any]
        #expect(positive?["offset"] as? Int == 1 && positive?["bucketCounts"] as? [Int] == [0, 2])
        #expect(Set(events.map(\.id)).count == 4)
    }
}
