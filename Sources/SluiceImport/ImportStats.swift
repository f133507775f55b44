import SluiceCore

/// Token and cost totals (exact: costs in nano-dollars).
public struct UsageTotals: Sendable, Codable, Equatable {
    public var requests = 0
    public var inputTokens: Int64 = 0
    public var outputTokens: Int64 = 0
    public var cacheCreationTokens: Int64 = 0
    public var cacheReadTokens: Int64 = 0
    public var costNanoUSD: Int64 = 0
    /// Requests whose tokens were estimated (Copilot) rather than reported.
    public var estimatedRequests = 0

    public init() {}

    public init(requests: Int, input: Int64, output: Int64, cacheCreation: Int64 = 0, cacheRead: Int64 = 0, costNanoUSD: Int64 = 0) {
        self.requests = requests
        inputTokens = input
        outputTokens = output
        cacheCreationTokens = cacheCreation
        cacheReadTokens = cacheRead
        self.costNanoUSD = costNanoUSD
    }

    mutating func add(_ u: ClaudeLine.Usage, cost: Int64?, estimated: Bool = false, request: Bool = true) {
        if request { requests += 1 }
        inputTokens += u.input
        outputTokens += u.output
        cacheCreationTokens += u.cacheCreation
        cacheReadTokens += u.cacheRead
        costNanoUSD += cost ?? 0
        if estimated { estimatedRequests += 1 }
    }

    public var costUSD: String { Money.decimalString(nano: costNanoUSD) }
}

/// A line that could not be imported.
public struct ImportProblem: Sendable, Codable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// What one import run read and mapped.
public struct ImportStats: Sendable, Codable {
    public var files = 0
    public var lines = 0
    public var bytes: Int64 = 0
    public var invalidLines = 0
    /// Files whose last line was still being written (no newline yet): left for later.
    public var incompleteLines = 0
    public var events = 0
    public var eventsByType: [String: Int] = [:]
    public var sessions: Set<String> = []
    public var totals = UsageTotals()
    public var bySession: [String: UsageTotals] = [:]
    /// By UTC day (`YYYY-MM-DD`) of the response.
    public var byDay: [String: UsageTotals] = [:]
    public var byModel: [String: UsageTotals] = [:]
    /// Copies of an API request already counted (streamed blocks are not copies; replays are).
    public var duplicateRequests = 0
    /// Usage corrections emitted: a request's later snapshot (or larger copy) beyond what its
    /// events carried.
    public var corrections = 0
    /// Synthetic assistant messages (model `<synthetic>`): not API requests.
    public var syntheticMessages = 0
    /// Requests of a model missing from the price table: tokens counted, no cost.
    public var unpricedRequests = 0
    public var unpricedModels: Set<String> = []
    /// Of the unpriced requests, those of Copilot (never priced: its tokens are estimates and
    /// its use is billed by subscription).
    public var unpricedCopilotRequests = 0
    /// Tool calls read without their result yet: imported once it is written, or once a later
    /// request in the same file shows none is coming.
    public var pendingToolCalls = 0
    /// Responses still streaming at a file's end: imported once the file has settled.
    public var openResponses = 0
    /// Copilot requests without a `result` yet (still running): imported once they have one.
    public var pendingRequests = 0
    /// The first problems (at most ``maximumProblems``); `invalidLines` counts them all.
    public var problems: [ImportProblem] = []
    public static let maximumProblems = 1000

    public init() {}

    mutating func record(_ e: AgentEvent) {
        events += 1
        eventsByType[e.eventType, default: 0] += 1
    }

    mutating func problem(file: String, line: Int, _ message: String) {
        invalidLines += 1
        if problems.count < Self.maximumProblems { problems.append(ImportProblem(file: file, line: line, message: message)) }
    }

    /// Counts one request (tokens and cost) in the totals; a request without a cost is also
    /// counted as unpriced, with its model (and its speed when not standard: `claude-… (fast)`).
    mutating func request(session: String, day: String, model: String, usage: ClaudeLine.Usage, cost: Int64?,
                          estimated: Bool = false, copilot: Bool = false) {
        if cost == nil {
            unpricedRequests += 1
            unpricedModels.insert(usage.speed == .standard ? model : "\(model) (\(usage.speed.name))")
            if copilot { unpricedCopilotRequests += 1 }
        }
        totals.add(usage, cost: cost, estimated: estimated)
        bySession[session, default: UsageTotals()].add(usage, cost: cost, estimated: estimated)
        byDay[day, default: UsageTotals()].add(usage, cost: cost, estimated: estimated)
        byModel[model, default: UsageTotals()].add(usage, cost: cost, estimated: estimated)
    }

    /// Counts the difference a correction carries for a request counted before.
    mutating func correction(session: String, day: String, model: String, usage: ClaudeLine.Usage, cost: Int64?) {
        corrections += 1
        totals.add(usage, cost: cost, request: false)
        bySession[session, default: UsageTotals()].add(usage, cost: cost, request: false)
        byDay[day, default: UsageTotals()].add(usage, cost: cost, request: false)
        byModel[model, default: UsageTotals()].add(usage, cost: cost, request: false)
    }
}

extension Timestamp {
    /// `YYYY-MM-DD` of the UTC day.
    var utcDay: String { String(rfc3339.prefix(10)) }
}
