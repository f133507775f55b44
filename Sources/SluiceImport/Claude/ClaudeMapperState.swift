import SluiceCore

/// Everything the Claude mapper remembers between lines: enough to resume a watch after a
/// restart exactly where it stopped (it is saved with the file offsets).
public struct ClaudeMapperState: Sendable, Codable {
    /// Per transcript session id.
    var sessions: [String: SessionState] = [:]
    /// Per file path: the response being streamed and the previous line's time.
    var files: [String: FileState] = [:]
    /// API requests already counted (`<message id>|<request id>`).
    var countedRequests: Set<String> = []
    /// Message ids of the requests counted: another request id with one of them is a replay
    /// (`/btw` re-logs main-chain messages under new request ids).
    var countedMessageIds: Set<String> = []
    /// Prompts and errors emitted (`<session>/<line uuid>`): a line copied into another file
    /// (`/btw` re-logs the first prompt) is emitted once.
    var emittedLines: Set<String> = []

    public init() {}

    struct SessionState: Sendable, Codable {
        var started = false
        var version = ""
        var pendingTools: [String: PendingTool] = [:]
    }

    struct FileState: Sendable, Codable {
        var previousTimestamp: Int64?
        var lastTimestamp: Int64?
        var open: OpenResponse?
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
        var usage: ClaudeLine.Usage
        var costNano: Int64?
        var text: String
        var stopReason: String?
        var toolUses = 0
        var thinking = false
        /// A copy of a request already counted (a replay): nothing is emitted for it.
        var replay: Bool
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
