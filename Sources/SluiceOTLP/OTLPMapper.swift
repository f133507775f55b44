import Foundation
import OpenTelemetryProto
import SluiceCore
import SwiftProtobuf

/// Maps OTLP log records and metric data points to agent events. Pure: no I/O, no clock.
///
/// Each record (or data point) becomes one event or one ``Rejection``; a bad record never stops
/// the others. Event ids are name-based UUIDs (version 5) of the record's identity, so an
/// exporter's retry produces the same ids and is stored once.
public struct OTLPMapper: Sendable {
    /// Project of events that name none in a `sluice.project.id` attribute (the API key's
    /// project, else the server's configured default).
    public var defaultProjectId: Int32
    /// Events whose context, data and metrics JSON exceed this many bytes are rejected.
    public var maximumEventBytes: Int

    public init(defaultProjectId: Int32, maximumEventBytes: Int = 262_144) {
        self.defaultProjectId = defaultProjectId
        self.maximumEventBytes = maximumEventBytes
    }

    /// Why one record or data point was not mapped, and where it is in the request.
    public struct Rejection: Error, Sendable, Hashable, CustomStringConvertible {
        /// Its path in the request, e.g. `resourceLogs[0].scopeLogs[1].logRecords[4]`.
        public var location: String
        public var reason: String
        public var description: String { "\(location): \(reason)" }
    }

    public typealias Outcome = Result<AgentEvent, Rejection>

    /// The attribute (on the record, data point or resource) that names an event's project.
    public static let projectAttribute = "sluice.project.id"

    /// Namespace of every id this mapper derives.
    static let namespace = UUID.v5(namespace: .namespaceDNS, name: "otlp.sluice.invalid")

    // MARK: Logs

    /// One outcome per log record, in request order.
    public func events(from request: ExportLogsRequest) -> [Outcome] {
        var out: [Outcome] = []
        for (r, resourceLogs) in request.resourceLogs.enumerated() {
            let origin = Origin(resource: resourceLogs.resource)
            for (s, scopeLogs) in resourceLogs.scopeLogs.enumerated() {
                let scope = ScopeInfo(scopeLogs.scope)
                for (l, record) in scopeLogs.logRecords.enumerated() {
                    let outcome = Result { () throws(MappingFailure) in try event(record, origin, scope) }
                    out.append(outcome.mapError { Rejection(location: "resourceLogs[\(r)].scopeLogs[\(s)].logRecords[\(l)]", reason: $0.reason) })
                }
            }
        }
        return out
    }

    private func event(_ record: LogRecord, _ origin: Origin, _ scope: ScopeInfo) throws(MappingFailure) -> AgentEvent {
        let attributes = Attributes(record.attributes)
        let name = Self.eventName(record, attributes, origin)
        let claudeName = name.flatMap { $0.hasPrefix(ClaudeCodeEvents.prefix) ? String($0.dropFirst(ClaudeCodeEvents.prefix.count)) : nil }
        let mapped = claudeName.flatMap { ClaudeCodeEvents.map($0, attributes) }

        let timestamp: Timestamp
        if record.timeUnixNano != 0 {
            timestamp = Timestamp(unixNanoseconds: record.timeUnixNano)
        } else if record.observedTimeUnixNano != 0 {
            timestamp = Timestamp(unixNanoseconds: record.observedTimeUnixNano)
        } else if let text = attributes.text("event.timestamp") {
            guard let t = Timestamp(rfc3339: text) else {
                throw MappingFailure("event.timestamp: \"\(text)\" is not an RFC 3339 time, and timeUnixNano and observedTimeUnixNano are unset")
            }
            timestamp = t
        } else {
            throw MappingFailure("no timestamp: timeUnixNano, observedTimeUnixNano and the event.timestamp attribute are all unset")
        }

        let session = Self.session(attributes, origin)
        let projectId = try project(attributes, origin)
        let promptId = attributes.text("prompt.id")
        let sequence = attributes.text("event.sequence")

        // The id: the prompt for a user prompt; session, sequence, name and time for Claude
        // Code's other events; otherwise a hash of the resource, scope and record as sent.
        let promptEventId = promptId.map { UUID.v5(namespace: Self.namespace, name: "prompt|\(session.id.lowercased)|\($0)") }
        let id: UUID
        if claudeName == "user_prompt", let promptEventId {
            id = promptEventId
        } else if let name, let sequence, session.declared {
            id = UUID.v5(namespace: Self.namespace, name: "event|\(session.id.lowercased)|\(sequence)|\(name)|\(record.timeUnixNano)")
        } else {
            var bytes = Array("record|".utf8) + origin.resourceBytes + scope.identity
            bytes += (try? record.serializedBytes() as [UInt8]) ?? []
            id = UUID.v5(namespace: Self.namespace, name: bytes)
        }

        var context = JSONObjectBuilder()
        context.set("source", "otlp")
        context.set("promptId", promptId)
        if !record.traceID.isEmpty { context.set("traceId", record.traceID.hex) }
        if !record.spanID.isEmpty { context.set("spanId", record.spanID.hex) }
        origin.describe(into: &context)
        scope.describe(into: &context)

        var data = mapped?.data ?? JSONObjectBuilder()
        if mapped == nil {
            if record.hasBody, !(claudeName != nil && record.body.stringValue == name) { data.set("body", record.body.json) }
            if !record.severityText.isEmpty { data.set("severityText", record.severityText) }
        }
        data.set("attributes", attributes.json)

        let agentId = claudeName != nil || origin.isClaudeCode ? ClaudeCodeEvents.agentId : origin.serviceName ?? "unknown_service"
        return try build(
            id: id, timestamp: timestamp, eventType: mapped?.eventType ?? name ?? "otel_log", agentId: agentId,
            agentVersion: origin.serviceVersion ?? attributes.text("app.version") ?? "", sessionId: session.id,
            projectId: projectId, context: context, data: data, metrics: mapped?.metrics,
            parentEventId: claudeName == nil || claudeName == "user_prompt" ? nil : promptEventId,
            severity: mapped?.severity ?? Self.severity(record))
    }

    /// A record's event name: the `event_name` field, else Claude Code's body (the full name),
    /// else the `event.name` attribute (prefixed with `claude_code.` when Claude Code sent it).
    static func eventName(_ record: LogRecord, _ attributes: Attributes, _ origin: Origin) -> String? {
        if !record.eventName.isEmpty { return record.eventName }
        if case .stringValue(let body)? = record.body.value, body.hasPrefix(ClaudeCodeEvents.prefix), !body.contains(" ") {
            return body
        }
        if let n = attributes.text("event.name") {
            return origin.isClaudeCode && !n.contains(".") ? ClaudeCodeEvents.prefix + n : n
        }
        return nil
    }

    /// OTLP severity numbers: 1–8 trace/debug, 9–12 info, 13–16 warn, 17–20 error, 21–24 fatal.
    static func severity(_ record: LogRecord) -> Severity? {
        switch record.severityNumber.rawValue {
        case 1...8: return .debug
        case 9...12: return .info
        case 13...16: return .warning
        case 17...20: return .error
        case 21...24: return .critical
        default:
            switch record.severityText.lowercased() {
            case "trace", "debug": return .debug
            case "info", "notice": return .info
            case "warn", "warning": return .warning
            case "error": return .error
            case "fatal", "critical": return .critical
            default: return nil
            }
        }
    }

    // MARK: Shared

    /// The session of a record: its `session.id` (or the resource's); a value that is not a UUID
    /// is hashed into one; with none, one session per emitting resource.
    static func session(_ attributes: Attributes, _ origin: Origin) -> (id: UUID, declared: Bool) {
        guard let text = attributes.text("session.id") ?? origin.attributes.text("session.id") else {
            return (origin.resourceSession, false)
        }
        var copy = text
        if let uuid = copy.withUTF8({ UUID(canonical: $0) }) { return (uuid, true) }
        return (UUID.v5(namespace: namespace, name: "session|\(text)"), true)
    }

    func project(_ attributes: Attributes, _ origin: Origin) throws(MappingFailure) -> Int32 {
        let key = Self.projectAttribute
        guard attributes[key] != nil || origin.attributes[key] != nil else { return defaultProjectId }
        let value = attributes[key] != nil ? attributes.int(key) : origin.attributes.int(key)
        guard let value, value > 0, value <= Int64(Int32.max) else {
            throw MappingFailure("\(key): must be a positive 32-bit integer (the project's id)")
        }
        return Int32(value)
    }

    func build(
        id: UUID, timestamp: Timestamp, eventType: String, agentId: String, agentVersion: String, sessionId: UUID,
        projectId: Int32, context: JSONObjectBuilder, data: JSONObjectBuilder, metrics: JSONObjectBuilder?,
        parentEventId: UUID?, severity: Severity?
    ) throws(MappingFailure) -> AgentEvent {
        for (field, text) in [("eventType", eventType), ("agentId", agentId), ("agentVersion", agentVersion)] where text.utf8.contains(0) {
            throw MappingFailure("\(field): contains a NUL character, which PostgreSQL text cannot store")
        }
        let contextText: JSONText, dataText: JSONText, metricsText: JSONText?
        do { contextText = try context.tree.validated() } catch { throw MappingFailure("resource or scope attributes: \(error.message)") }
        do { dataText = try data.tree.validated() } catch { throw MappingFailure("attributes or body: \(error.message)") }
        if let metrics {
            do { metricsText = try metrics.tree.validated() } catch { throw MappingFailure("attributes: \(error.message)") }
        } else {
            metricsText = nil
        }
        let size = contextText.bytes.count + dataText.bytes.count + (metricsText?.bytes.count ?? 0)
        guard size <= maximumEventBytes else {
            throw MappingFailure("the event is \(size) bytes of JSON; the limit is \(maximumEventBytes) (SLUICE_MAX_EVENT_BYTES)")
        }
        return AgentEvent(
            id: id, timestamp: timestamp, eventType: eventType, agentId: agentId, agentVersion: agentVersion,
            sessionId: sessionId, projectId: projectId, context: contextText, data: dataText, metrics: metricsText,
            parentEventId: parentEventId, severity: severity)
    }
}

/// Why one record could not be mapped (becomes a ``OTLPMapper/Rejection`` with its location).
struct MappingFailure: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// What a resource contributes to every event it emitted.
struct Origin {
    let attributes: Attributes
    let resourceBytes: [UInt8]
    let serviceName: String?
    let serviceVersion: String?
    let resourceSession: UUID

    init(resource: Resource) {
        attributes = Attributes(resource.attributes)
        resourceBytes = (try? resource.serializedBytes() as [UInt8]) ?? []
        serviceName = attributes.text("service.name")
        serviceVersion = attributes.text("service.version")
        resourceSession = UUID.v5(namespace: OTLPMapper.namespace, name: Array("resource|".utf8) + resourceBytes)
    }

    var isClaudeCode: Bool { serviceName == ClaudeCodeEvents.serviceName }

    func describe(into context: inout JSONObjectBuilder) {
        if !attributes.list.isEmpty { context.set("resource", attributes.json) }
    }
}

/// The instrumentation scope of a batch of records.
struct ScopeInfo {
    let name: String
    let version: String
    /// Name and version, for hashing.
    let identity: [UInt8]

    init(_ scope: InstrumentationScope) {
        name = scope.name
        version = scope.version
        identity = Array("|\(name)|\(version)|".utf8)
    }

    func describe(into context: inout JSONObjectBuilder) {
        if !name.isEmpty { context.set("scope", name) }
        if !version.isEmpty { context.set("scopeVersion", version) }
    }
}
