import Foundation
import Testing
import SluiceCore

/// What the decoder refuses because the database could not store or fold it, and what it still
/// takes at the very edge. ``NumericLimitsTests`` checks the same edges against PostgreSQL itself.
@Suite struct EventLimitsTests {
    static func event(timestamp: String = "2026-01-02T03:04:05Z", agentId: String = "claude-code",
                      context: String = "{}", data: String = "{}", metrics: String = "null", extra: String = "") -> String {
        #"{"timestamp":"\#(timestamp)","eventType":"tool_use","agentId":"\#(agentId)","sessionId":"0190c1a0-0000-7000-8000-000000000001","projectId":1,"context":\#(context),"data":\#(data),"metrics":\#(metrics)\#(extra)}"#
    }

    func rejection(_ json: String) -> EventRejection? {
        if case .failure(let r) = EventDecoder().decode(json) { return r.rejection }
        return nil
    }

    @Test func numbersOutsideNumericAreRefusedNamingTheirPath() throws {
        let r = try #require(rejection(Self.event(data: #"{"x":1e1000000}"#)))
        #expect(r.field == "data.x")
        #expect(r.reason.contains("131072 digits before the decimal point"))
        let nested = try #require(rejection(Self.event(context: #"{"a":[1,{"b":-1e-20000}]}"#)))
        #expect(nested.field == "context.a[1].b")
        #expect(nested.reason.contains("after the decimal point"))
        #expect(rejection(Self.event(metrics: #"{"cost":1e1073741823}"#))?.field == "metrics.cost")
        #expect(rejection(Self.event(metrics: #"{"cost":0e99999999999}"#))?.reason.contains("exponent") == true)
    }

    @Test func numbersAtTheEdgeOfNumericAreTaken() {
        let longest = "9" + String(repeating: "0", count: 131_071)  // 131072 digits
        let finest = "0." + String(repeating: "0", count: 16_382) + "1"  // 16383 after the point
        for n in [longest, "-" + longest, finest, "1e131071", "1.5e131071", "1e-16383", "123.456e-16380", "0e-16383",
                  "0.001e131074", "1e0", "-0", "0.0", "12345678901234567890123456789"] {
            let json = Self.event(data: #"{"n":\#(n)}"#)
            #expect(rejection(json) == nil, "\(n.prefix(40))… was refused: \(rejection(json)?.description ?? "")")
        }
        for n in [longest + "0", "1e131072", "0." + String(repeating: "0", count: 16_383) + "1", "1e-16384",
                  "0e-16384", "0.001e131075", finest + "0"] {
            #expect(rejection(Self.event(data: #"{"n":\#(n)}"#))?.field == "data.n", "\(n.prefix(40))… was taken")
        }
    }

    @Test func instantsOutsideYearsOneToNineThousandNineHundredNinetyNineInUTCAreRefused() throws {
        for t in ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00.000001+00:01", "9999-12-31T23:59:59-12:00",
                  "9999-12-31T23:30:00-00:31"] {
            let r = try #require(rejection(Self.event(timestamp: t)), "\(t) was taken")
            #expect(r.field == "timestamp")
            #expect(r.reason.contains("outside the supported range"), "\(r)")
        }
        for t in ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59.999999Z",
                  "9999-12-31T23:59:59.9999994Z", "9999-12-31T10:00:00+13:59"] {
            #expect(rejection(Self.event(timestamp: t)) == nil, "\(t) was refused")
        }
        #expect(rejection(Self.event(timestamp: "9999-12-31T23:59:59.9999995Z"))?.field == "timestamp")  // rounds into year 10000
        #expect(Timestamp(rfc3339: "0001-01-01T00:00:00+14:00") == nil)
        #expect(Timestamp.supportedRange.lowerBound.rfc3339 == "0001-01-01T00:00:00.000000Z")
        #expect(Timestamp.supportedRange.upperBound.rfc3339 == "9999-12-31T23:59:59.999999Z")
    }

    @Test func keysThatProjectionsIndexAreBounded() {
        let long = String(repeating: "é", count: 513)  // 1026 bytes
        let edge = String(repeating: "x", count: 1024)
        #expect(rejection(Self.event(agentId: long))?.field == "agentId")
        #expect(rejection(Self.event(agentId: edge)) == nil)
        #expect(rejection(Self.event(data: #"{"toolName":"\#(long)"}"#))?.field == "data.toolName")
        #expect(rejection(Self.event(data: #"{"toolName":"\#(edge)","body":"\#(long)\#(long)"}"#)) == nil)
        #expect(rejection(Self.event(metrics: #"{"model":"\#(long)"}"#))?.field == "metrics.model")
        #expect(rejection(Self.event(context: #"{"hostname":"\#(long)"}"#))?.field == "context.hostname")
        #expect(rejection(Self.event(extra: #","tags":["ok","\#(long)"]"#))?.field == "tags[1]")
        // Escapes count as what they decode to.
        let escaped = String(repeating: #"\u00e9"#, count: 512)  // 1024 bytes decoded, 3072 written
        #expect(rejection(Self.event(data: #"{"model":"\#(escaped)"}"#)) == nil)
        #expect(rejection(Self.event(data: #"{"model":"\#(escaped)x"}"#))?.field == "data.model")
    }

    @Test func hierarchyRowIdsArePositive32BitIntegers() {
        for id in ["1e20", "-3", "0", "1.5", "2147483648", "99999999999999999999"] {
            #expect(rejection(Self.event(context: #"{"machineId":\#(id)}"#))?.field == "context.machineId", "\(id)")
            #expect(rejection(Self.event(extra: #","workspaceId":\#(id)"#))?.field == "context.workspaceId", "\(id)")
        }
        for id in ["1", "2147483647", #""mbp-darwin""#, "null", "true"] {
            #expect(rejection(Self.event(context: #"{"machineId":\#(id)}"#)) == nil, "\(id)")
        }
    }
}
