import Foundation

/// One fact about what an agent did: a row of `agent_events`, the event log.
///
/// Field names follow devlog's API (camelCase in JSON, snake_case in SQL).
public struct AgentEvent: Sendable, Hashable {
    public var id: UUID
    public var timestamp: Timestamp
    public var eventType: String
    public var agentId: String
    public var agentVersion: String
    public var sessionId: UUID
    public var projectId: Int32
    /// A JSON object (validated text, stored as `jsonb`).
    public var context: JSONText
    public var data: JSONText
    public var metrics: JSONText?
    public var parentEventId: UUID?
    public var relatedEventIds: [String]
    public var tags: [String]
    public var severity: Severity?

    public init(
        id: UUID = .v7(), timestamp: Timestamp, eventType: String, agentId: String, agentVersion: String,
        sessionId: UUID, projectId: Int32, context: JSONText = .emptyObject, data: JSONText = .emptyObject,
        metrics: JSONText? = nil, parentEventId: UUID? = nil, relatedEventIds: [String] = [], tags: [String] = [],
        severity: Severity? = nil
    ) {
        self.id = id
        self.timestamp = timestamp
        self.eventType = eventType
        self.agentId = agentId
        self.agentVersion = agentVersion
        self.sessionId = sessionId
        self.projectId = projectId
        self.context = context
        self.data = data
        self.metrics = metrics
        self.parentEventId = parentEventId
        self.relatedEventIds = relatedEventIds
        self.tags = tags
        self.severity = severity
    }
}

/// Validated JSON text: well-formed, UTF-8, no NUL, nesting within ``JSONScanner/maximumDepth``.
public struct JSONText: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Wraps bytes that a ``JSONScanner`` has already validated.
    init(validated bytes: [UInt8]) { self.bytes = bytes }

    /// Validates `text`; throws if it is not one complete JSON value that PostgreSQL can store.
    public init(_ text: String) throws(JSONError) {
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBufferPointer { (b) throws(JSONError) in
            var s = JSONScanner(b)
            _ = try s.scanValue()
            s.skipWhitespace()
            guard s.atEnd else { throw JSONError("trailing characters after the JSON value", at: s.index) }
        }
        self.bytes = bytes
    }

    /// Wraps the text output of a PostgreSQL `jsonb` value, which is valid JSON by construction.
    public init(jsonbOutput text: String) {
        self.bytes = Array(text.utf8)
    }

    public static let emptyObject = JSONText(validated: Array("{}".utf8))

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}
