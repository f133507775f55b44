import Foundation
import OpenTelemetryProto
import SluiceOTLP

/// Builders for OTLP messages shaped like Claude Code's exports.
enum Fixtures {
    static let session = "0190c1a0-0000-7000-8000-00000000c1a0"
    static let prompt = "5f1e3f0e-1d7b-4b53-9c1e-2a1b3c4d5e6f"
    /// 2026-11-25T04:00:00.123456789Z in Unix nanoseconds.
    static let t0: UInt64 = 1_795_579_200_123_456_789

    static func kv(_ key: String, _ value: String) -> KeyValue {
        var kv = KeyValue()
        kv.key = key
        kv.value.stringValue = value
        return kv
    }

    static func kv(_ key: String, int value: Int64) -> KeyValue {
        var kv = KeyValue()
        kv.key = key
        kv.value.intValue = value
        return kv
    }

    static func kv(_ key: String, double value: Double) -> KeyValue {
        var kv = KeyValue()
        kv.key = key
        kv.value.doubleValue = value
        return kv
    }

    static var claudeResource: Resource {
        var r = Resource()
        r.attributes = [kv("service.name", "claude-code"), kv("service.version", "2.0.14"), kv("os.type", "linux"),
                        kv("os.version", "6.1.0"), kv("host.arch", "x64")]
        return r
    }

    static func standard(_ name: String, sequence: Int) -> [KeyValue] {
        [kv("user.id", "a1b2c3"), kv("session.id", session), kv("organization.id", "org-1"), kv("user.email", "dev@example.com"),
         kv("terminal.type", "vscode"), kv("event.name", name), kv("event.timestamp", "2026-11-25T04:00:00.123Z"),
         kv("event.sequence", int: Int64(sequence)), kv("prompt.id", prompt)]
    }

    static func record(_ name: String, sequence: Int, _ attributes: [KeyValue], offsetMs: UInt64 = 0) -> LogRecord {
        var r = LogRecord()
        r.timeUnixNano = t0 + offsetMs * 1_000_000
        r.observedTimeUnixNano = r.timeUnixNano + 1000
        r.body.stringValue = "claude_code.\(name)"
        r.attributes = standard(name, sequence: sequence) + attributes
        return r
    }

    /// One Claude Code turn: prompt, API request, a failed tool, a decision, an API error, an
    /// event Sluice does not map, and a plain log line from another scope.
    static var claudeCodeLogs: ExportLogsRequest {
        var scope = ScopeLogs()
        scope.scope.name = "com.anthropic.claude_code.events"
        scope.scope.version = "2.0.14"
        scope.logRecords = [
            record("user_prompt", sequence: 1, [kv("prompt_length", "24"), kv("prompt", "fix the failing swift test")]),
            record("api_request", sequence: 2, [
                kv("model", "claude-sonnet-4-5"), kv("cost_usd", "0.01234"), kv("duration_ms", "1834"), kv("input_tokens", "1200"),
                kv("output_tokens", int: 300), kv("cache_read_tokens", "5000"), kv("cache_creation_tokens", "0"),
                kv("request_id", "req_011"),
            ], offsetMs: 10),
            record("tool_result", sequence: 3, [
                kv("tool_name", "Bash"), kv("success", "false"), kv("duration_ms", int: 412), kv("error", "exit code 1"),
                kv("decision_type", "accept"), kv("decision_source", "config"),
                kv("tool_parameters", #"{"bash_command":"swift","full_command":"swift test --filter X","timeout":120000}"#),
            ], offsetMs: 20),
            record("tool_decision", sequence: 4, [kv("tool_name", "Edit"), kv("decision", "reject"), kv("source", "user_reject")], offsetMs: 30),
            record("api_error", sequence: 5, [
                kv("model", "claude-sonnet-4-5"), kv("error", "overloaded"), kv("status_code", int: 529), kv("duration_ms", double: 95.5),
                kv("attempt", "2"),
            ], offsetMs: 40),
            record("api_refusal", sequence: 6, [kv("model", "claude-sonnet-4-5")], offsetMs: 50),
        ]
        var plain = ScopeLogs()
        plain.scope.name = "app"
        var line = LogRecord()
        line.timeUnixNano = t0 + 60_000_000
        line.severityNumber = .warn
        line.severityText = "WARN"
        line.body.stringValue = "disk almost full"
        line.attributes = [kv("disk", "/dev/sda1"), kv("free_pct", double: 3.5)]
        line.traceID = Data((0..<16).map { UInt8($0) })
        line.spanID = Data((0..<8).map { UInt8(0xF0 + $0) })
        plain.logRecords = [line]

        var resourceLogs = ResourceLogs()
        resourceLogs.resource = claudeResource
        resourceLogs.scopeLogs = [scope, plain]
        var request = ExportLogsRequest()
        request.resourceLogs = [resourceLogs]
        return request
    }

    /// Claude Code's counters, delta temporality as it exports by default.
    static var claudeCodeMetrics: ExportMetricsRequest {
        func point(_ value: Int64?, double: Double? = nil, _ attributes: [KeyValue]) -> Opentelemetry_Proto_Metrics_V1_NumberDataPoint {
            var p = Opentelemetry_Proto_Metrics_V1_NumberDataPoint()
            p.startTimeUnixNano = t0
            p.timeUnixNano = t0 + 60_000_000_000
            if let value { p.asInt = value }
            if let double { p.asDouble = double }
            p.attributes = [kv("session.id", session), kv("user.id", "a1b2c3")] + attributes
            return p
        }
        func sum(_ name: String, unit: String, _ points: [Opentelemetry_Proto_Metrics_V1_NumberDataPoint]) -> Metric {
            var m = Metric()
            m.name = name
            m.unit = unit
            m.description_p = "Claude Code \(name)"
            var s = Opentelemetry_Proto_Metrics_V1_Sum()
            s.aggregationTemporality = .delta
            s.isMonotonic = true
            s.dataPoints = points
            m.sum = s
            return m
        }
        var scope = ScopeMetrics()
        scope.scope.name = "com.anthropic.claude_code"
        scope.metrics = [
            sum("claude_code.token.usage", unit: "tokens", [
                point(1200, [kv("type", "input"), kv("model", "claude-sonnet-4-5")]),
                point(300, [kv("type", "output"), kv("model", "claude-sonnet-4-5")]),
            ]),
            sum("claude_code.cost.usage", unit: "USD", [point(nil, double: 0.01234, [kv("model", "claude-sonnet-4-5")])]),
            sum("claude_code.lines_of_code.count", unit: "count", [point(12, [kv("type", "added")])]),
        ]
        var histogram = Metric()
        histogram.name = "http.server.duration"
        histogram.unit = "ms"
        var h = Opentelemetry_Proto_Metrics_V1_Histogram()
        h.aggregationTemporality = .cumulative
        var hp = Opentelemetry_Proto_Metrics_V1_HistogramDataPoint()
        hp.timeUnixNano = t0
        hp.count = 3
        hp.sum = 60
        hp.min = 10
        hp.max = 30
        hp.bucketCounts = [1, 2, 0]
        hp.explicitBounds = [15, 100]
        h.dataPoints = [hp]
        histogram.histogram = h
        scope.metrics.append(histogram)

        var rm = ResourceMetrics()
        rm.resource = claudeResource
        rm.scopeMetrics = [scope]
        var request = ExportMetricsRequest()
        request.resourceMetrics = [rm]
        return request
    }
}
