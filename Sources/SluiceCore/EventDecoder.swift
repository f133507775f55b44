import Foundation

/// Decodes and validates one event's JSON object (devlog's camelCase field names).
///
/// Pure: no I/O, no shared state. Every refusal names the field at fault.
public struct EventDecoder: Sendable {
    /// Events larger than this many bytes of JSON are refused (default 256 KiB).
    public var maximumEventBytes: Int

    public init(maximumEventBytes: Int = 262_144) {
        self.maximumEventBytes = maximumEventBytes
    }

    /// What the decoder fills in when the event leaves it out.
    public struct Defaults: Sendable {
        /// The project of the API key that posted the event, if any.
        public var projectId: Int32?
        public init(projectId: Int32? = nil) { self.projectId = projectId }
    }

    /// The outcome for one event: the event, or why it was refused (with its id when it was readable).
    public typealias Outcome = Result<AgentEvent, Rejected>

    public struct Rejected: Error, Sendable, Hashable {
        public var id: UUID?
        public var rejection: EventRejection
    }

    public func decode(_ text: String, defaults: Defaults = .init()) -> Outcome {
        var copy = text
        return copy.withUTF8 { decode($0, range: 0..<$0.count, defaults: defaults) }
    }

    /// Decodes the event whose JSON text is `buffer[range]`.
    public func decode(_ buffer: UnsafeBufferPointer<UInt8>, range: Range<Int>, defaults: Defaults) -> Outcome {
        guard range.count <= maximumEventBytes else {
            return .failure(Rejected(id: nil, rejection: EventRejection(
                field: nil, "event is \(range.count) bytes of JSON; the limit is \(maximumEventBytes)")))
        }
        var fields = Fields()
        var s = JSONScanner(buffer, from: range.lowerBound, to: range.upperBound)
        do {
            try s.expect(UInt8(ascii: "{"), "an event object")
            if s.peek() == UInt8(ascii: "}") {
                s.index += 1
            } else {
                while true {
                    s.skipWhitespace()
                    let keyStart = s.index
                    guard !s.atEnd, s.byte(at: keyStart) == UInt8(ascii: "\"") else {
                        throw FieldError(name: nil, "expected a string key")
                    }
                    let escaped: Bool
                    do { escaped = try s.scanString() } catch { throw FieldError(name: nil, error.message) }
                    let keyRange = keyStart..<s.index
                    do { try s.expect(UInt8(ascii: ":"), "':' after a key") } catch { throw FieldError(name: nil, error.message) }
                    let slot = escaped ? Field(name: s.decodeString(keyRange)) : Field(scanner: s, quoted: keyRange)
                    let value: Range<Int>
                    do { value = try s.scanValue(depth: 2) } catch {
                        throw FieldError(name: (slot?.name ?? s.decodeString(keyRange)) + error.path, error.message)
                    }
                    if let slot { fields[slot] = value }
                    s.skipWhitespace()
                    guard !s.atEnd else { throw FieldError(name: nil, "unexpected end of the event object") }
                    let c = s.byte(at: s.index)
                    s.index += 1
                    if c == UInt8(ascii: ",") { continue }
                    if c == UInt8(ascii: "}") { break }
                    throw FieldError(name: nil, "expected ',' or '}' in the event object")
                }
            }
            s.skipWhitespace()
            guard s.atEnd else { throw FieldError(name: nil, "trailing characters after the event object") }
            return build(fields, scanner: s, defaults: defaults)
        } catch let error as FieldError {
            return .failure(Rejected(id: fields.id.flatMap { uuid($0, scanner: s) }, rejection: error.rejection))
        } catch {
            return .failure(Rejected(id: nil, rejection: EventRejection(field: nil, "\(error)")))
        }
    }

    private func build(_ f: Fields, scanner s: borrowing JSONScanner, defaults: Defaults) -> Outcome {
        var id: UUID?
        do {
            if let r = f.id, !isNull(r, s), !s.bytes(r, equal: "\"\"") {
                guard let v = uuid(r, scanner: s) else { throw FieldError(.id, "not a valid UUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)") }
                id = v
            }
            guard let tr = f.timestamp, !isNull(tr, s) else { throw FieldError(.timestamp, "missing; an RFC 3339 time with offset is required, e.g. 2026-01-02T03:04:05.123456Z") }
            guard isString(tr, s) else { throw FieldError(.timestamp, "must be a string: an RFC 3339 time with offset") }
            let text = UnsafeBufferPointer(rebasing: s.base[(tr.lowerBound + 1)..<(tr.upperBound - 1)])
            guard let timestamp = Timestamp(rfc3339: text) else {
                if Timestamp.isOutsideSupportedRange(rfc3339: text) {
                    throw FieldError(.timestamp, "is outside the supported range once converted to UTC: from \(Timestamp.supportedRange.lowerBound) to \(Timestamp.supportedRange.upperBound)")
                }
                throw FieldError(.timestamp, "not an RFC 3339 time with offset, e.g. 2026-01-02T03:04:05.123456Z")
            }
            let eventType = try requiredString(f.eventType, .eventType, s)
            let agentId = try requiredString(f.agentId, .agentId, s)
            let agentVersion = try optionalString(f.agentVersion, .agentVersion, s) ?? ""
            guard let sr = f.sessionId, !isNull(sr, s) else { throw FieldError(.sessionId, "missing; a session UUID is required") }
            guard let sessionId = uuid(sr, scanner: s) else { throw FieldError(.sessionId, "not a valid UUID") }
            let projectId: Int32
            if let pr = f.projectId, !isNull(pr, s) {
                guard let v = int32(pr, s), v > 0 else { throw FieldError(.projectId, "not a positive 32-bit integer") }
                projectId = v
            } else if let d = defaults.projectId {
                projectId = d
            } else {
                throw FieldError(.projectId, "missing; give the project's integer id (POST /api/projects/resolve returns it), or post with a project API key")
            }
            var context = try object(f.context, .context, s) ?? .emptyObject
            let extras = try Self.hierarchyIds(f, s)
            if !extras.isEmpty { context = Self.prepend(extras, to: context) }
            let data = try object(f.data, .data, s) ?? .emptyObject
            let metrics = try object(f.metrics, .metrics, s)
            for (field, object, rules) in [(Field.context, context, KeyMembers.context), (.data, data, KeyMembers.data),
                                           (.metrics, metrics ?? .emptyObject, KeyMembers.metrics)] {
                if let (member, why) = KeyMembers.violation(in: object, rules) {
                    throw FieldError(name: "\(field.name).\(member)", why)
                }
            }
            var parent: UUID?
            if let pr = f.parentEventId, !isNull(pr, s) {
                guard let v = uuid(pr, scanner: s) else { throw FieldError(.parentEventId, "not a valid UUID") }
                parent = v
            }
            let related = try stringArray(f.relatedEventIds, .relatedEventIds, s)
            let tags = try stringArray(f.tags, .tags, s)
            var severity: Severity?
            if let r = f.severity, !isNull(r, s) {
                guard isString(r, s), let v = Severity(rawValue: s.decodeString(r)) else {
                    throw FieldError(.severity, "must be one of debug, info, warning, error, critical")
                }
                severity = v
            }
            return .success(AgentEvent(
                id: id ?? .v7(), timestamp: timestamp, eventType: eventType, agentId: agentId,
                agentVersion: agentVersion, sessionId: sessionId, projectId: projectId, context: context,
                data: data, metrics: metrics, parentEventId: parent, relatedEventIds: related, tags: tags,
                severity: severity))
        } catch let error as FieldError {
            return .failure(Rejected(id: id ?? f.id.flatMap { uuid($0, scanner: s) }, rejection: error.rejection))
        } catch {
            return .failure(Rejected(id: id, rejection: EventRejection(field: nil, "\(error)")))
        }
    }

    // MARK: - Field helpers

    private func isNull(_ r: Range<Int>, _ s: borrowing JSONScanner) -> Bool { s.bytes(r, equal: "null") }
    private func isString(_ r: Range<Int>, _ s: borrowing JSONScanner) -> Bool { s.byte(at: r.lowerBound) == UInt8(ascii: "\"") }

    private func uuid(_ r: Range<Int>, scanner s: borrowing JSONScanner) -> UUID? {
        guard r.count == 38, isString(r, s) else { return nil }
        return UUID(canonical: UnsafeBufferPointer(rebasing: s.base[(r.lowerBound + 1)..<(r.upperBound - 1)]))
    }

    private func int32(_ r: Range<Int>, _ s: borrowing JSONScanner) -> Int32? {
        var v: Int64 = 0
        guard r.count <= 10 else { return nil }
        for i in r {
            let c = s.byte(at: i)
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int64(c - 0x30)
        }
        return Int32(exactly: v)
    }

    private func requiredString(_ r: Range<Int>?, _ field: Field, _ s: borrowing JSONScanner) throws(FieldError) -> String {
        guard let v = try optionalString(r, field, s), !v.isEmpty else { throw FieldError(field, "missing; a non-empty string is required") }
        return v
    }

    /// A string column; the indexed ones (`agentId`, `eventType`) and the rest alike are keys of at
    /// most ``KeyMembers/maximumBytes``.
    private func optionalString(_ r: Range<Int>?, _ field: Field, _ s: borrowing JSONScanner) throws(FieldError) -> String? {
        guard let r, !isNull(r, s) else { return nil }
        guard isString(r, s) else { throw FieldError(field, "must be a string") }
        let v = s.decodeString(r)
        guard v.utf8.count <= KeyMembers.maximumBytes else {
            throw FieldError(field, "is \(v.utf8.count) bytes long; at most \(KeyMembers.maximumBytes) are allowed")
        }
        return v
    }

    private func object(_ r: Range<Int>?, _ field: Field, _ s: borrowing JSONScanner) throws(FieldError) -> JSONText? {
        guard let r, !isNull(r, s) else { return nil }
        guard s.byte(at: r.lowerBound) == UInt8(ascii: "{") else { throw FieldError(field, "must be a JSON object") }
        return JSONText(validated: s.copy(r))
    }

    private func stringArray(_ r: Range<Int>?, _ field: Field, _ s: borrowing JSONScanner) throws(FieldError) -> [String] {
        guard let r, !isNull(r, s) else { return [] }
        guard s.byte(at: r.lowerBound) == UInt8(ascii: "[") else { throw FieldError(field, "must be an array of strings") }
        var out: [String] = []
        var inner = JSONScanner(s.base, from: r.lowerBound + 1, to: r.upperBound - 1)
        while inner.peek() != nil {
            // The array was validated by scanValue; elements are values separated by commas.
            guard let element = try? inner.scanValue(depth: 3), isString(element, s) else {
                throw FieldError(field, "must be an array of strings")
            }
            let v = s.decodeString(element)
            guard v.utf8.count <= KeyMembers.maximumBytes else {
                throw FieldError(name: "\(field.name)[\(out.count)]", "is \(v.utf8.count) bytes long; at most \(KeyMembers.maximumBytes) are allowed")
            }
            out.append(v)
            if inner.peek() == UInt8(ascii: ",") { inner.index += 1 }
        }
        return out
    }

    /// devlog's collector sends `machineId` / `workspaceId` beside the event; they belong to its context.
    private static func hierarchyIds(_ f: Fields, _ s: borrowing JSONScanner) throws(FieldError) -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for (field, range) in [(Field.machineId, f.machineId), (Field.workspaceId, f.workspaceId)] {
            guard let range, !s.bytes(range, equal: "null") else { continue }
            let first = s.byte(at: range.lowerBound)
            guard first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) || first == UInt8(ascii: "\"") else {
                throw FieldError(field, "must be an integer or a string")
            }
            out.append((field.name, s.copy(range)))
        }
        return out
    }

    /// `{"machineId":7,` + the rest of `object`; keys already in `object` win, as `jsonb` keeps the last.
    private static func prepend(_ pairs: [(String, [UInt8])], to object: JSONText) -> JSONText {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (k, v) in pairs {
            out.append(contentsOf: Array("\"\(k)\":".utf8))
            out.append(contentsOf: v)
            out.append(UInt8(ascii: ","))
        }
        let rest = object.bytes.dropFirst()  // after "{"
        if rest.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }).first == UInt8(ascii: "}") {
            out.removeLast()
            out.append(UInt8(ascii: "}"))
        } else {
            out.append(contentsOf: rest)
        }
        return JSONText(validated: out)
    }
}

// MARK: - Field table

private struct FieldError: Error {
    var rejection: EventRejection
    init(_ field: Field?, _ reason: String) { rejection = EventRejection(field: field?.name, reason) }
    init(name: String?, _ reason: String) { rejection = EventRejection(field: name, reason) }
}

extension EventDecoder {
    /// The top-level fields of an event, as rejections name them.
    public static let fieldNames: Set<String> = Set(Field.allCases.map(\.name))
}

private enum Field: Int, CaseIterable {
    case id, timestamp, eventType, agentId, agentVersion, sessionId, projectId, context, data, metrics
    case parentEventId, relatedEventIds, tags, severity, machineId, workspaceId

    var name: String {
        switch self {
        case .id: "id"
        case .timestamp: "timestamp"
        case .eventType: "eventType"
        case .agentId: "agentId"
        case .agentVersion: "agentVersion"
        case .sessionId: "sessionId"
        case .projectId: "projectId"
        case .context: "context"
        case .data: "data"
        case .metrics: "metrics"
        case .parentEventId: "parentEventId"
        case .relatedEventIds: "relatedEventIds"
        case .tags: "tags"
        case .severity: "severity"
        case .machineId: "machineId"
        case .workspaceId: "workspaceId"
        }
    }

    private static let byName: [String: Field] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })

    /// Unknown keys give nil: they are ignored (documented in docs/api.md).
    init?(name: String) {
        guard let f = Self.byName[name] else { return nil }
        self = f
    }

    /// Matches an unescaped key in place, without allocating.
    init?(scanner s: borrowing JSONScanner, quoted r: Range<Int>) {
        let inner = (r.lowerBound + 1)..<(r.upperBound - 1)
        for f in Self.allCases where inner.count == f.name.utf8.count {
            var equal = true
            var k = inner.lowerBound
            for c in f.name.utf8 {
                if s.byte(at: k) != c { equal = false; break }
                k += 1
            }
            if equal { self = f; return }
        }
        return nil
    }
}

private struct Fields {
    var ranges = [Range<Int>?](repeating: nil, count: Field.allCases.count)
    subscript(f: Field) -> Range<Int>? {
        get { ranges[f.rawValue] }
        set { ranges[f.rawValue] = newValue }
    }
    var id: Range<Int>? { self[.id] }
    var timestamp: Range<Int>? { self[.timestamp] }
    var eventType: Range<Int>? { self[.eventType] }
    var agentId: Range<Int>? { self[.agentId] }
    var agentVersion: Range<Int>? { self[.agentVersion] }
    var sessionId: Range<Int>? { self[.sessionId] }
    var projectId: Range<Int>? { self[.projectId] }
    var context: Range<Int>? { self[.context] }
    var data: Range<Int>? { self[.data] }
    var metrics: Range<Int>? { self[.metrics] }
    var parentEventId: Range<Int>? { self[.parentEventId] }
    var relatedEventIds: Range<Int>? { self[.relatedEventIds] }
    var tags: Range<Int>? { self[.tags] }
    var severity: Range<Int>? { self[.severity] }
    var machineId: Range<Int>? { self[.machineId] }
    var workspaceId: Range<Int>? { self[.workspaceId] }
}
