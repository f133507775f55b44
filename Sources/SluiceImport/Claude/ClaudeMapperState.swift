import SluiceCore

/// Everything the Claude mapper remembers between lines: enough to resume a watch after a
/// restart exactly where it stopped (it is saved with the file offsets).
public struct ClaudeMapperState: Sendable, Codable {
    /// Per transcript session id.
    var sessions: [String: SessionState] = [:]
    /// Per file path: the response being streamed and the previous line's time.
    var files: [String: FileState] = [:]
    /// API requests already counted (`<message id>|<request id>`), with the usage stored for each
    /// so far: a later snapshot that exceeds it is stored as a correction of the difference.
    var counted: [String: CountedRequest] = [:]
    /// Message ids of the requests counted: another request id with one of them is a replay
    /// (`/btw` re-logs main-chain messages under new request ids).
    var countedMessageIds: Set<String> = []
    /// Prompts and errors emitted (`<session>/<line uuid>`): a line copied into another file
    /// (`/btw` re-logs the first prompt) is emitted once.
    var emittedLines: Set<String> = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case sessions, files, counted, countedMessageIds, emittedLines
        /// What states saved before corrections existed call the set of counted requests.
        case countedRequests
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sessions = try c.decodeIfPresent([String: SessionState].self, forKey: .sessions) ?? [:]
        files = try c.decodeIfPresent([String: FileState].self, forKey: .files) ?? [:]
        counted = try c.decodeIfPresent([String: CountedRequest].self, forKey: .counted) ?? [:]
        // Requests counted by an older version: stored with their final usage, never corrected.
        for key in try c.decodeIfPresent([String].self, forKey: .countedRequests) ?? [] where counted[key] == nil {
            counted[key] = CountedRequest(snapshot: nil, firstTimestamp: 0)
        }
        countedMessageIds = try c.decodeIfPresent(Set<String>.self, forKey: .countedMessageIds) ?? []
        emittedLines = try c.decodeIfPresent(Set<String>.self, forKey: .emittedLines) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sessions, forKey: .sessions)
        try c.encode(files, forKey: .files)
        try c.encode(counted, forKey: .counted)
        try c.encode(countedMessageIds, forKey: .countedMessageIds)
        try c.encode(emittedLines, forKey: .emittedLines)
    }

    /// A request's usage as a line reports it: tokens, and the transcript's own cost if it has one.
    struct Snapshot: Sendable, Codable, Hashable {
        var usage: ClaudeLine.Usage
        var costNano: Int64?

        /// Field-wise maximum (snapshots only grow while a response streams; of two copies of a
        /// request, the larger wins).
        func union(_ o: Snapshot) -> Snapshot {
            Snapshot(usage: usage.union(o.usage), costNano: costNano.map { c in o.costNano.map { max(c, $0) } ?? c } ?? o.costNano)
        }
    }

    /// A counted request: the usage its events carry so far, and when its response started (the
    /// time of its corrections, so they fall in the response's hour and day).
    struct CountedRequest: Sendable, Codable {
        /// Nil for a request counted by a version without corrections: never corrected.
        var snapshot: Snapshot?
        var firstTimestamp: Int64
    }

    struct SessionState: Sendable, Codable {
        var started = false
        var version = ""
        var pendingTools: [String: PendingTool] = [:]
    }

    struct FileState: Sendable, Codable {
        var previousTimestamp: Int64?
        var lastTimestamp: Int64?
        var open: OpenResponse?
        /// The request of the file's last assistant line, open or closed: a line of the same
        /// request continues it (even after it was closed by `--settle`).
        var lastKey: String?
    }

    /// Where an event came from: what fills its context.
    struct Origin: Sendable, Codable, Hashable {
        var session: String
        var cwd: String?
        var gitBranch: String?
        var version: String
        var sidechain: Bool
        var agentId: String?
    }

    /// An assistant message being streamed (one line per content block).
    struct OpenResponse: Sendable, Codable {
        var key: String
        var messageId: String?
        var requestId: String?
        var origin: Origin
        var firstTimestamp: Int64
        /// The time of the line before the first block: when the request was sent.
        var sentTimestamp: Int64
        var model: String
        /// The usage of the response's first line: what its `llm_response` carries (later
        /// snapshots are corrections, so that a response closed early and read again later
        /// stores the same events as one read whole).
        var usage: ClaudeLine.Usage
        var costNano: Int64?
        var text: String
        var stopReason: String?
        var toolUses = 0
        var thinking = false
    }

    /// A tool call waiting for its result.
    struct PendingTool: Sendable, Codable {
        var id: String
        /// The transcript it was read from: a new request there means no result is coming.
        var file: String?
        var name: String
        var input: ClaudeLine.ToolInput
        var timestamp: Int64
        var origin: Origin
        var responseEventId: String
    }
}
