import Foundation
import OpenTelemetryProto
import SluiceCore
import SwiftProtobuf

/// Metric data points as events of type `metric`.
///
/// Each data point is one event: `data` holds `name`, `description`, `unit`, `kind` (`sum`,
/// `gauge`, `histogram`, `exponentialHistogram`, `summary`), `temporality` (`delta`,
/// `cumulative`), `monotonic`, the value (`value` for sums and gauges; `count`, `sum`, `min`,
/// `max` and the buckets or quantiles otherwise), `startTime` and the point's `attributes`.
/// The `metrics` column stays null, so the aggregates never count a metric's tokens, cost or
/// duration: those come from the `claude_code.api_request` log events, and counting
/// `claude_code.token.usage` or `claude_code.cost.usage` as well would count them twice.
extension OTLPMapper {
    public static let metricEventType = "metric"

    /// One outcome per data point, in request order.
    public func events(from request: ExportMetricsRequest) -> [Outcome] {
        var out: [Outcome] = []
        for (r, resourceMetrics) in request.resourceMetrics.enumerated() {
            let origin = Origin(resource: resourceMetrics.resource)
            for (s, scopeMetrics) in resourceMetrics.scopeMetrics.enumerated() {
                let scope = ScopeInfo(scopeMetrics.scope)
                for (m, metric) in scopeMetrics.metrics.enumerated() {
                    let points = Self.points(metric)
                    let location = "resourceMetrics[\(r)].scopeMetrics[\(s)].metrics[\(m)]"
                    if points.isEmpty, metric.data == nil {
                        out.append(.failure(Rejection(location: location, reason: "metric \(metric.name) has no data (gauge, sum, histogram, exponentialHistogram or summary)")))
                    }
                    for (p, point) in points.enumerated() {
                        let outcome = Result { () throws(MappingFailure) in try event(metric, point, origin, scope) }
                        out.append(outcome.mapError { Rejection(location: "\(location).dataPoints[\(p)]", reason: $0.reason) })
                    }
                }
            }
        }
        return out
    }

    /// A data point, whatever its kind: the fields every kind shares, and its value as JSON.
    struct Point {
        var attributes: [KeyValue]
        var startTimeUnixNano: UInt64
        var timeUnixNano: UInt64
        var serialized: [UInt8]
        var value: [(String, JSONTree)]
    }

    static func points(_ metric: Metric) -> [Point] {
        func bytes(_ m: some SwiftProtobuf.Message) -> [UInt8] { (try? m.serializedBytes() as [UInt8]) ?? [] }
        func number(_ p: Opentelemetry_Proto_Metrics_V1_NumberDataPoint) -> Point {
            let value: JSONTree = switch p.value {
            case .asInt(let i)?: .int(i)
            case .asDouble(let d)?: .double(d)
            case nil: .null
            }
            return Point(attributes: p.attributes, startTimeUnixNano: p.startTimeUnixNano, timeUnixNano: p.timeUnixNano,
                         serialized: bytes(p), value: [("value", value)])
        }
        switch metric.data {
        case .gauge(let g)?: return g.dataPoints.map(number)
        case .sum(let s)?: return s.dataPoints.map(number)
        case .histogram(let h)?:
            return h.dataPoints.map { p in
                var v: [(String, JSONTree)] = [("count", .int(Int64(clamping: p.count)))]
                if p.hasSum { v.append(("sum", .double(p.sum))) }
                if p.hasMin { v.append(("min", .double(p.min))) }
                if p.hasMax { v.append(("max", .double(p.max))) }
                v.append(("bucketCounts", .array(p.bucketCounts.map { .int(Int64(clamping: $0)) })))
                v.append(("explicitBounds", .array(p.explicitBounds.map { .double($0) })))
                return Point(attributes: p.attributes, startTimeUnixNano: p.startTimeUnixNano, timeUnixNano: p.timeUnixNano,
                             serialized: bytes(p), value: v)
            }
        case .exponentialHistogram(let h)?:
            return h.dataPoints.map { p in
                func buckets(_ b: Opentelemetry_Proto_Metrics_V1_ExponentialHistogramDataPoint.Buckets) -> JSONTree {
                    .object([("offset", .int(Int64(b.offset))), ("bucketCounts", .array(b.bucketCounts.map { .int(Int64(clamping: $0)) }))])
                }
                var v: [(String, JSONTree)] = [("count", .int(Int64(clamping: p.count)))]
                if p.hasSum { v.append(("sum", .double(p.sum))) }
                if p.hasMin { v.append(("min", .double(p.min))) }
                if p.hasMax { v.append(("max", .double(p.max))) }
                v += [("scale", .int(Int64(p.scale))), ("zeroCount", .int(Int64(clamping: p.zeroCount))),
                      ("positive", buckets(p.positive)), ("negative", buckets(p.negative))]
                return Point(attributes: p.attributes, startTimeUnixNano: p.startTimeUnixNano, timeUnixNano: p.timeUnixNano,
                             serialized: bytes(p), value: v)
            }
        case .summary(let s)?:
            return s.dataPoints.map { p in
                let quantiles = JSONTree.array(p.quantileValues.map { .object([("quantile", .double($0.quantile)), ("value", .double($0.value))]) })
                return Point(attributes: p.attributes, startTimeUnixNano: p.startTimeUnixNano, timeUnixNano: p.timeUnixNano,
                             serialized: bytes(p), value: [("count", .int(Int64(clamping: p.count))), ("sum", .double(p.sum)), ("quantiles", quantiles)])
            }
        case nil:
            return []
        }
    }

    private func event(_ metric: Metric, _ point: Point, _ origin: Origin, _ scope: ScopeInfo) throws(MappingFailure) -> AgentEvent {
        let attributes = Attributes(point.attributes)
        let time = point.timeUnixNano != 0 ? point.timeUnixNano : point.startTimeUnixNano
        guard time != 0 else { throw MappingFailure("no timestamp: timeUnixNano and startTimeUnixNano are unset") }
        guard !metric.name.isEmpty else { throw MappingFailure("the metric has no name") }
        let session = Self.session(attributes, origin)
        let projectId = try project(attributes, origin)

        var bytes = Array("metric|\(metric.name)|".utf8) + origin.resourceBytes + scope.identity
        bytes += point.serialized
        let id = UUID.v5(namespace: Self.namespace, name: bytes)

        var data = JSONObjectBuilder()
        data.set("name", metric.name)
        if !metric.description_p.isEmpty { data.set("description", metric.description_p) }
        if !metric.unit.isEmpty { data.set("unit", metric.unit) }
        switch metric.data {
        case .gauge?: data.set("kind", "gauge")
        case .sum(let s)?:
            data.set("kind", "sum")
            data.set("temporality", Self.temporality(s.aggregationTemporality))
            data.set("monotonic", .bool(s.isMonotonic))
        case .histogram(let h)?:
            data.set("kind", "histogram")
            data.set("temporality", Self.temporality(h.aggregationTemporality))
        case .exponentialHistogram(let h)?:
            data.set("kind", "exponentialHistogram")
            data.set("temporality", Self.temporality(h.aggregationTemporality))
        case .summary?: data.set("kind", "summary")
        case nil: break
        }
        for (k, v) in point.value { data.set(k, v) }
        if point.startTimeUnixNano != 0 { data.set("startTime", Timestamp(unixNanoseconds: point.startTimeUnixNano).rfc3339) }
        data.set("attributes", attributes.json)

        var context = JSONObjectBuilder()
        context.set("source", "otlp")
        origin.describe(into: &context)
        scope.describe(into: &context)

        let agentId = origin.isClaudeCode || metric.name.hasPrefix(ClaudeCodeEvents.prefix)
            ? ClaudeCodeEvents.agentId : origin.serviceName ?? "unknown_service"
        return try build(
            id: id, timestamp: Timestamp(unixNanoseconds: time), eventType: Self.metricEventType, agentId: agentId,
            agentVersion: origin.serviceVersion ?? attributes.text("app.version") ?? "", sessionId: session.id,
            projectId: projectId, context: context, data: data, metrics: nil, parentEventId: nil, severity: nil)
    }

    static func temporality(_ t: Opentelemetry_Proto_Metrics_V1_AggregationTemporality) -> String? {
        switch t {
        case .delta: "delta"
        case .cumulative: "cumulative"
        default: nil
        }
    }
}
