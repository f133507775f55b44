import Foundation
import SluiceCore

/// Generates realistic agent events as JSON objects (devlog's field names), deterministically.
///
/// A dozen sessions run at once and their events interleave, as they do when several agents
/// post to one server. Each session (50–500 events) opens with `session_start`, closes with
/// `session_end`, and in between mixes LLM round trips (an `llm_request` answered by an
/// `llm_response` whose `parentEventId` points back at it), tool uses, file reads and writes,
/// commands, user prompts and the occasional error. Sessions start anywhere in the window (three
/// days unless told otherwise) before `now`. Every event carries an explicit `id`, so a retried request is idempotent, and
/// is 300–600 bytes of JSON: a free-text field is sized to a drawn target.
struct EventGenerator: Sendable {
    static let concurrentSessions = 12
    static let sizeRange = 300...600

    private var random: SeededRandom
    private let windowStart: Int64
    private let windowEnd: Int64
    private var sessions: [Session] = []

    /// - Parameters:
    ///   - now: the end of the window; the events' timestamps are relative to it.
    ///   - hours: the length of the window.
    init(seed: UInt64, now: Timestamp, hours: Int64 = 72) {
        random = SeededRandom(seed: seed)
        windowEnd = now.microsecondsSinceEpoch
        windowStart = windowEnd - max(hours, 3) * 3_600_000_000
        for _ in 0..<Self.concurrentSessions { sessions.append(newSession()) }
    }

    /// The next event's JSON object.
    mutating func next() -> [UInt8] {
        let i = random.int(0...(sessions.count - 1))
        var session = sessions[i]
        let json = emit(&session)
        sessions[i] = session.emitted == session.length ? newSession() : session
        return json
    }

    // MARK: - Sessions

    private struct Session {
        var id: UUID
        var project: Vocabulary.Project
        var agent: Vocabulary.Agent
        var agentVersion: String
        var model: String
        var user: String
        var branch: String
        var startedAt: Int64
        var clock: Int64
        var length: Int
        var emitted = 0
        var pendingRequest: UUID?
        var lastRead: UUID?
        var promptTokens = 0
        var responseTokens = 0
        var costMicros = 0
    }

    private mutating func newSession() -> Session {
        let agent = random.pick(Vocabulary.agents)
        // Sessions last up to about an hour and a half; start early enough to end before `now`.
        let start = random.int64(windowStart...(windowEnd - 2 * 3_600_000_000))
        return Session(
            id: random.uuidV4(), project: random.pick(Vocabulary.projects), agent: agent,
            agentVersion: random.pick(agent.versions), model: random.pick(agent.models),
            user: random.pick(Vocabulary.users), branch: random.pick(Vocabulary.branches),
            startedAt: start, clock: start, length: random.int(50...500))
    }

    // MARK: - Events

    /// What an event says, before its free-text field is sized.
    private struct Draft {
        var eventType: String
        var data: [(String, JSONScalar)]
        /// The key of the free-text field appended to `data`.
        var textKey: String
        var metrics: [(String, JSONScalar)]?
        var parentEventId: UUID?
        var relatedEventIds: [UUID] = []
        var tags: [String] = []
        var severity: String?
        /// Microseconds since the session's previous event.
        var gap: Int64
    }

    private static let types = ["llm_request", "tool_use", "file_read", "file_write", "command_execution",
                                "user_interaction", "error_encountered"]
    private static let typeWeights = [22, 20, 18, 10, 14, 6, 4]

    private mutating func emit(_ s: inout Session) -> [UInt8] {
        let eventType: String
        if s.emitted == 0 {
            eventType = "session_start"
        } else if s.emitted == s.length - 1 {
            eventType = "session_end"
        } else if s.pendingRequest != nil {
            eventType = "llm_response"
        } else {
            // A request needs room for its response before the session ends.
            var weights = Self.typeWeights
            if s.length - 1 - s.emitted < 2 { weights[0] = 0 }
            eventType = Self.types[random.weighted(weights)]
        }
        var draft = self.draft(eventType, &s)
        s.clock += draft.gap
        s.emitted += 1
        let id = random.uuidV7(unixMilliseconds: s.clock / 1000)
        switch eventType {
        case "llm_request": s.pendingRequest = id
        case "llm_response": s.pendingRequest = nil
        case "file_read": s.lastRead = id
        default: break
        }
        if random.chance(0.4) { draft.tags = [s.project.language] + (random.chance(0.3) ? ["ci"] : []) }

        // Aim at a size drawn from `sizeRange`, with a few words of text at least, and never above it.
        let target = random.int(Self.sizeRange)
        let bare = encode(draft, id: id, session: s, text: "")
        let room = Self.sizeRange.upperBound - bare.count
        let text = filler(length: min(room, max(target - bare.count, random.int(12...40))))
        return text.isEmpty ? bare : encode(draft, id: id, session: s, text: text)
    }

    private mutating func draft(_ eventType: String, _ s: inout Session) -> Draft {
        let p = s.project
        let shortGap = { (r: inout SeededRandom) in Int64(r.logUniform(200...20_000)) * 1000 }
        switch eventType {
        case "session_start":
            return Draft(eventType: eventType, data: [("model", .string(s.model)), ("trigger", .string("cli"))],
                         textKey: "initialPrompt", gap: 0)
        case "session_end":
            let duration = (s.clock - s.startedAt) / 1000
            return Draft(
                eventType: eventType,
                data: [("reason", .string(random.pick(["completed", "completed", "user_exit", "idle_timeout"]))),
                       ("eventCount", .int(s.length))],
                textKey: "summary",
                metrics: [("promptTokens", .int(s.promptTokens)), ("responseTokens", .int(s.responseTokens)),
                          ("durationMs", .int(Int(duration))), ("cost", .raw(dollars(s.costMicros)))],
                gap: shortGap(&random))
        case "llm_request":
            let prompt = random.logUniform(800...120_000)
            return Draft(
                eventType: eventType,
                data: [("model", .string(s.model)), ("messageCount", .int(random.int(1...80)))],
                textKey: "prompt", metrics: [("promptTokens", .int(prompt))], gap: shortGap(&random))
        case "llm_response":
            let prompt = random.logUniform(800...120_000), response = random.logUniform(20...4_000)
            let duration = random.logUniform(400...40_000)
            let cost = prompt * 3 + response * 15  // micro-dollars at $3 / $15 per million tokens
            s.promptTokens += prompt
            s.responseTokens += response
            s.costMicros += cost
            return Draft(
                eventType: eventType,
                data: [("model", .string(s.model)), ("stopReason", .string(random.pick(Vocabulary.stopReasons)))],
                textKey: "response",
                metrics: [("promptTokens", .int(prompt)), ("responseTokens", .int(response)),
                          ("durationMs", .int(duration)), ("cost", .raw(dollars(cost)))],
                parentEventId: s.pendingRequest, gap: Int64(duration) * 1000)
        case "tool_use":
            let tool = random.pick(Vocabulary.tools)
            let input: JSONScalar = switch tool {
            case "Bash": .object([("command", .string(random.pick(p.commands)))])
            case "Grep": .object([("pattern", .string(random.pick(Vocabulary.words))), ("path", .string(directory(random.pick(p.files))))])
            case "Glob": .object([("pattern", .string("**/*." + (random.pick(p.files).split(separator: ".").last.map(String.init) ?? "txt")))])
            case "WebFetch": .object([("url", .string("https://docs.example.com/\(p.language)/\(random.pick(Vocabulary.words))"))])
            case "TodoWrite": .object([("todos", .int(random.int(1...8)))])
            default: .object([("filePath", .string(random.pick(p.files)))])
            }
            let duration = random.logUniform(5...3_000)
            return Draft(eventType: eventType, data: [("toolName", .string(tool)), ("input", input)],
                         textKey: "description", metrics: [("durationMs", .int(duration))], gap: shortGap(&random))
        case "file_read":
            let lines = random.logUniform(10...2_500)
            return Draft(
                eventType: eventType,
                data: [("filePath", .string(random.pick(p.files))), ("lineCount", .int(lines)), ("bytes", .int(lines * random.int(24...48)))],
                textKey: "purpose", metrics: [("durationMs", .int(random.logUniform(1...80)))], gap: shortGap(&random))
        case "file_write":
            return Draft(
                eventType: eventType,
                data: [("filePath", .string(random.pick(p.files))), ("operation", .string(random.chance(0.85) ? "edit" : "create")),
                       ("linesAdded", .int(random.logUniform(1...400))), ("linesRemoved", .int(random.logUniform(1...200) - 1))],
                textKey: "summary", metrics: [("durationMs", .int(random.logUniform(2...120)))],
                relatedEventIds: s.lastRead.map { [$0] } ?? [], gap: shortGap(&random))
        case "command_execution":
            let failed = random.chance(0.15)
            return Draft(
                eventType: eventType,
                data: [("command", .string(random.pick(p.commands))), ("exitCode", .int(failed ? random.pick([1, 2, 101, 127]) : 0)),
                       ("stdoutBytes", .int(random.logUniform(10...400_000)))],
                textKey: "output", metrics: [("durationMs", .int(random.logUniform(50...180_000)))],
                severity: failed ? "warning" : nil, gap: shortGap(&random))
        case "user_interaction":
            return Draft(eventType: eventType, data: [("kind", .string(random.pick(["prompt", "prompt", "approval", "interrupt"])))],
                         textKey: "text", gap: Int64(random.logUniform(2_000...600_000)) * 1000)
        default:  // error_encountered
            return Draft(
                eventType: eventType,
                data: [("errorType", .string(random.pick(Vocabulary.errorTypes))), ("filePath", .string(random.pick(p.files)))],
                textKey: "message", severity: random.chance(0.8) ? "error" : "critical", gap: shortGap(&random))
        }
    }

    private func encode(_ d: Draft, id: UUID, session s: Session, text: String) -> [UInt8] {
        var fields: [(String, JSONScalar)] = [
            ("id", .string(id.lowercased)),
            ("timestamp", .string(Timestamp(microsecondsSinceEpoch: s.clock).rfc3339)),
            ("eventType", .string(d.eventType)),
            ("agentId", .string(s.agent.id)),
            ("agentVersion", .string(s.agentVersion)),
            ("sessionId", .string(s.id.lowercased)),
            ("projectId", .int(Int(s.project.id))),
            ("context", .object([
                ("cwd", .string("/home/\(s.user)/src/\(s.project.name)")),
                ("branch", .string(s.branch)),
                ("repository", .string(s.project.repository)),
            ])),
            ("data", .object(d.data + [(d.textKey, .string(text))])),
        ]
        if let m = d.metrics { fields.append(("metrics", .object(m))) }
        if let parent = d.parentEventId { fields.append(("parentEventId", .string(parent.lowercased))) }
        if !d.relatedEventIds.isEmpty { fields.append(("relatedEventIds", .strings(d.relatedEventIds.map(\.lowercased)))) }
        if !d.tags.isEmpty { fields.append(("tags", .strings(d.tags))) }
        if let severity = d.severity { fields.append(("severity", .string(severity))) }
        var w = JSONWriter(reservingCapacity: 640)
        w.object(fields)
        return w.bytes
    }

    /// Words up to exactly `length` characters (ASCII), not ending in a space.
    private mutating func filler(length: Int) -> String {
        guard length > 0 else { return "" }
        var out = ""
        out.reserveCapacity(length + 16)
        while out.utf8.count < length {
            if !out.isEmpty { out += " " }
            out += random.pick(Vocabulary.words)
        }
        var text = String(out.prefix(length))
        if text.hasSuffix(" ") { text = String(text.dropLast()) + "." }
        return text
    }

    private func directory(_ path: String) -> String {
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        return parent.isEmpty ? "." : parent
    }

    /// Micro-dollars as a decimal number of dollars, e.g. `0.043875`.
    private func dollars(_ micros: Int) -> String {
        let cents = String(micros % 1_000_000)
        return "\(micros / 1_000_000).\(String(repeating: "0", count: 6 - cents.count))\(cents)"
    }
}
