import SluiceCore

/// One line of a Claude Code transcript (`~/.claude/projects/<project>/<session>.jsonl`), reduced
/// to what the mapper uses. Claude Code writes one line per content block of an assistant
/// message; each repeats the message's `id`, `usage` and the line's `requestId`.
public struct ClaudeLine: Sendable {
    public enum Kind: Sendable { case user, assistant, system, summary, other }

    public var kind: Kind = .other
    public var uuid: String?
    public var parentUuid: String?
    public var sessionId: String?
    public var timestamp: Timestamp?
    public var isSidechain = false
    public var isMeta = false
    public var isApiErrorMessage = false
    public var cwd: String?
    public var gitBranch: String?
    public var version: String?
    /// A subagent's id (its transcript's lines carry it).
    public var agentId: String?
    public var requestId: String?
    /// `costUSD` (older Claude Code versions wrote it), in nano-dollars.
    public var costNano: Int64?
    /// System lines: `level` (`error`, …), `subtype` and `content`.
    public var level: String?
    public var subtype: String?
    public var systemContent: String?

    public var messageId: String?
    public var model: String?
    public var stopReason: String?
    public var usage: Usage?
    /// A user message whose `content` is a plain string.
    public var contentText: String?
    public var blocks: [Block] = []

    public struct Usage: Sendable, Hashable, Codable {
        public var input: Int64 = 0
        public var output: Int64 = 0
        public var cacheCreation: Int64 = 0
        public var cacheRead: Int64 = 0
        /// Of `cacheCreation`, the tokens written to the 1-hour cache (priced higher).
        public var cacheCreation1h: Int64 = 0
        /// `usage.speed`: the tier that served the request (fast mode is billed at its own rates).
        public var speed: Speed = .standard

        public init(input: Int64 = 0, output: Int64 = 0, cacheCreation: Int64 = 0, cacheRead: Int64 = 0, cacheCreation1h: Int64 = 0,
                    speed: Speed = .standard) {
            self.input = input
            self.output = output
            self.cacheCreation = cacheCreation
            self.cacheRead = cacheRead
            self.cacheCreation1h = cacheCreation1h
            self.speed = speed
        }

        /// Field-wise maximum: usage only grows while a response streams, so the largest
        /// snapshot of a request is its final one. Of two speeds, the one that is not standard
        /// (a copy without the field is an older snapshot of the same request).
        func union(_ o: Usage) -> Usage {
            Usage(input: max(input, o.input), output: max(output, o.output), cacheCreation: max(cacheCreation, o.cacheCreation),
                  cacheRead: max(cacheRead, o.cacheRead), cacheCreation1h: max(cacheCreation1h, o.cacheCreation1h),
                  speed: speed == .standard ? o.speed : speed)
        }

        enum CodingKeys: String, CodingKey { case input, output, cacheCreation, cacheRead, cacheCreation1h, speed }

        /// States saved before speeds were read have none: standard.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            input = try c.decode(Int64.self, forKey: .input)
            output = try c.decode(Int64.self, forKey: .output)
            cacheCreation = try c.decode(Int64.self, forKey: .cacheCreation)
            cacheRead = try c.decode(Int64.self, forKey: .cacheRead)
            cacheCreation1h = try c.decodeIfPresent(Int64.self, forKey: .cacheCreation1h) ?? 0
            speed = try c.decodeIfPresent(String.self, forKey: .speed).map(Speed.init(name:)) ?? .standard
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(input, forKey: .input)
            try c.encode(output, forKey: .output)
            try c.encode(cacheCreation, forKey: .cacheCreation)
            try c.encode(cacheRead, forKey: .cacheRead)
            try c.encode(cacheCreation1h, forKey: .cacheCreation1h)
            if speed != .standard { try c.encode(speed.name, forKey: .speed) }
        }
    }

    /// The speed a request was served at (`message.usage.speed`; absent means standard).
    public enum Speed: Sendable, Hashable {
        case standard
        /// Fast mode: billed at a multiple of the standard rates (``PriceTable/Price/fastMilli``).
        case fast
        /// A value Sluice has no rates for: such a request is unpriced.
        case other(String)

        public init(name: String) {
            switch name {
            case "standard": self = .standard
            case "fast": self = .fast
            default: self = .other(name)
            }
        }

        public var name: String {
            switch self {
            case .standard: "standard"
            case .fast: "fast"
            case .other(let s): s
            }
        }
    }

    public enum Block: Sendable {
        case text(String)
        case thinking
        case toolUse(id: String, name: String, input: ToolInput)
        case toolResult(toolUseId: String, isError: Bool, text: String?)
        case other
    }

    /// The few tool inputs the mapper turns into file, command and search events.
    public struct ToolInput: Sendable, Hashable, Codable {
        public var filePath: String?
        public var path: String?
        public var command: String?
        public var pattern: String?
        public var query: String?
        public var url: String?
        public var description: String?
        public var subagentType: String?
        public init() {}
    }
}

extension ClaudeLine {
    /// Texts longer than this are cut (events stay far below the server's 256 KiB limit).
    static let textLimit = 65_536
    /// Error texts of tool results are kept to this many bytes.
    static let errorTextLimit = 2_000

    /// Parses one line (without its newline).
    public static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(LineError) -> ClaudeLine {
        var s = LineScanner(line)
        var l = ClaudeLine()
        try s.members { (s, k) throws(LineError) in
            switch k.range.count {
            case 4:
                if s.key(k, is: "type") {
                    let v = try s.string()
                    if s.key(v, is: "user") { l.kind = .user }
                    else if s.key(v, is: "assistant") { l.kind = .assistant }
                    else if s.key(v, is: "system") { l.kind = .system }
                    else if s.key(v, is: "summary") { l.kind = .summary }
                    else { l.kind = .other }
                } else if s.key(k, is: "uuid") { l.uuid = try s.optionalString() }
                else { try s.skip() }
            case 3:
                if s.key(k, is: "cwd") { l.cwd = try s.optionalString() } else { try s.skip() }
            case 5:
                if s.key(k, is: "level") { l.level = try s.optionalString() } else { try s.skip() }
            case 6:
                if s.key(k, is: "isMeta") { l.isMeta = try s.optionalBool() ?? false }
                else { try s.skip() }
            case 7:
                if s.key(k, is: "message") { try parseMessage(&s, into: &l) }
                else if s.key(k, is: "version") { l.version = try s.optionalString() }
                else if s.key(k, is: "costUSD") {
                    if s.peek() == UInt8(ascii: "-") || s.p[s.i] &- 0x30 < 10 {
                        let r = try s.number()
                        l.costNano = Money.parseDecimal(UnsafeBufferPointer(start: s.p + r.lowerBound, count: r.count), scale: 9)
                    } else { try s.skip() }
                } else if s.key(k, is: "subtype") { l.subtype = try s.optionalString() }
                else if s.key(k, is: "content") { l.systemContent = try s.optionalString() }
                else if s.key(k, is: "agentId") { l.agentId = try s.optionalString() }
                else { try s.skip() }
            case 9:
                if s.key(k, is: "timestamp") {
                    if s.peek() == UInt8(ascii: "\"") {
                        let v = try s.string()
                        l.timestamp = Timestamp(rfc3339: UnsafeBufferPointer(start: s.p + v.range.lowerBound, count: v.range.count))
                    } else { try s.skip() }
                } else if s.key(k, is: "sessionId") { l.sessionId = try s.optionalString() }
                else if s.key(k, is: "gitBranch") { l.gitBranch = try s.optionalString() }
                else if s.key(k, is: "requestId") { l.requestId = try s.optionalString() }
                else { try s.skip() }
            case 10:
                if s.key(k, is: "parentUuid") { l.parentUuid = try s.optionalString() } else { try s.skip() }
            case 11:
                if s.key(k, is: "isSidechain") { l.isSidechain = try s.optionalBool() ?? false } else { try s.skip() }
            case 17:
                if s.key(k, is: "isApiErrorMessage") { l.isApiErrorMessage = try s.optionalBool() ?? false } else { try s.skip() }
            default:
                try s.skip()
            }
        }
        s.ws()
        guard s.i == s.end else { throw LineError("trailing characters after the JSON object", at: s.i) }
        return l
    }

    private static func parseMessage(_ s: inout LineScanner, into l: inout ClaudeLine) throws(LineError) {
        guard s.peek() == UInt8(ascii: "{") else { try s.skip(); return }
        try s.members { (s, k) throws(LineError) in
            if s.key(k, is: "content") {
                switch s.peek() {
                case UInt8(ascii: "\""): l.contentText = s.decode(try s.string(), limit: textLimit)
                case UInt8(ascii: "["): try s.elements { (s) throws(LineError) in l.blocks.append(try parseBlock(&s)) }
                default: try s.skip()
                }
            } else if s.key(k, is: "id") { l.messageId = try s.optionalString() }
            else if s.key(k, is: "model") { l.model = try s.optionalString() }
            else if s.key(k, is: "stop_reason") { l.stopReason = try s.optionalString() }
            else if s.key(k, is: "usage") { l.usage = try parseUsage(&s) }
            else { try s.skip() }
        }
    }

    private static func parseUsage(_ s: inout LineScanner) throws(LineError) -> Usage? {
        guard s.peek() == UInt8(ascii: "{") else { try s.skip(); return nil }
        var u = Usage()
        try s.members { (s, k) throws(LineError) in
            if s.key(k, is: "input_tokens") { u.input = try s.count() ?? 0 }
            else if s.key(k, is: "output_tokens") { u.output = try s.count() ?? 0 }
            else if s.key(k, is: "cache_creation_input_tokens") { u.cacheCreation = try s.count() ?? 0 }
            else if s.key(k, is: "cache_read_input_tokens") { u.cacheRead = try s.count() ?? 0 }
            else if s.key(k, is: "cache_creation"), s.peek() == UInt8(ascii: "{") {
                try s.members { (s, k) throws(LineError) in
                    if s.key(k, is: "ephemeral_1h_input_tokens") { u.cacheCreation1h = try s.count() ?? 0 } else { try s.skip() }
                }
            } else if s.key(k, is: "speed"), s.peek() == UInt8(ascii: "\"") {
                let v = try s.string()
                if s.key(v, is: "fast") { u.speed = .fast } else if !s.key(v, is: "standard") { u.speed = .other(s.decode(v, limit: 64)) }
            } else { try s.skip() }
        }
        return u
    }

    private enum BlockType { case text, thinking, toolUse, toolResult, other }

    private static func parseBlock(_ s: inout LineScanner) throws(LineError) -> Block {
        guard s.peek() == UInt8(ascii: "{") else { try s.skip(); return .other }
        var type = BlockType.other
        var text: LineScanner.Str?
        var id: String?, name: String?, toolUseId: String?
        var isError = false
        var input = ToolInput()
        var resultContent: LineScanner.Str?
        var resultBlocks: [String] = []
        try s.members { (s, k) throws(LineError) in
            if s.key(k, is: "type") {
                let v = try s.string()
                if s.key(v, is: "text") { type = .text }
                else if s.key(v, is: "thinking") || s.key(v, is: "redacted_thinking") { type = .thinking }
                else if s.key(v, is: "tool_use") || s.key(v, is: "server_tool_use") { type = .toolUse }
                else if s.key(v, is: "tool_result") { type = .toolResult }
            } else if s.key(k, is: "text") {
                if s.peek() == UInt8(ascii: "\"") { text = try s.string() } else { try s.skip() }
            } else if s.key(k, is: "id") { id = try s.optionalString() }
            else if s.key(k, is: "name") { name = try s.optionalString() }
            else if s.key(k, is: "input") { input = try parseToolInput(&s) }
            else if s.key(k, is: "tool_use_id") { toolUseId = try s.optionalString() }
            else if s.key(k, is: "is_error") { isError = try s.optionalBool() ?? false }
            else if s.key(k, is: "content") {
                switch s.peek() {
                case UInt8(ascii: "\""): resultContent = try s.string()
                case UInt8(ascii: "["):
                    // Tool results may hold text blocks: keep the first texts (for error messages).
                    try s.elements { (s) throws(LineError) in
                        guard s.peek() == UInt8(ascii: "{") else { try s.skip(); return }
                        try s.members { (s, k) throws(LineError) in
                            if s.key(k, is: "text"), s.peek() == UInt8(ascii: "\""), resultBlocks.count < 4 {
                                resultBlocks.append(s.decode(try s.string(), limit: errorTextLimit))
                            } else { try s.skip() }
                        }
                    }
                default: try s.skip()
                }
            } else { try s.skip() }
        }
        switch type {
        case .text: return .text(text.map { s.decode($0, limit: textLimit) } ?? "")
        case .thinking: return .thinking
        case .toolUse: return .toolUse(id: id ?? "", name: name ?? "", input: input)
        case .toolResult:
            var message: String?
            if isError {
                message = resultContent.map { s.decode($0, limit: errorTextLimit) } ?? resultBlocks.joined(separator: "\n")
            }
            return .toolResult(toolUseId: toolUseId ?? "", isError: isError, text: message)
        case .other: return .other
        }
    }

    private static func parseToolInput(_ s: inout LineScanner) throws(LineError) -> ToolInput {
        guard s.peek() == UInt8(ascii: "{") else { try s.skip(); return ToolInput() }
        var t = ToolInput()
        try s.members { (s, k) throws(LineError) in
            if s.peek() != UInt8(ascii: "\"") { try s.skip(); return }
            if s.key(k, is: "file_path") || s.key(k, is: "notebook_path") { t.filePath = s.decode(try s.string(), limit: 4096) }
            else if s.key(k, is: "path") { t.path = s.decode(try s.string(), limit: 4096) }
            else if s.key(k, is: "command") { t.command = s.decode(try s.string(), limit: 8192) }
            else if s.key(k, is: "pattern") { t.pattern = s.decode(try s.string(), limit: 4096) }
            else if s.key(k, is: "query") { t.query = s.decode(try s.string(), limit: 4096) }
            else if s.key(k, is: "url") { t.url = s.decode(try s.string(), limit: 4096) }
            else if s.key(k, is: "description") { t.description = s.decode(try s.string(), limit: 1024) }
            else if s.key(k, is: "subagent_type") { t.subagentType = s.decode(try s.string(), limit: 256) }
            else { try s.skip() }
        }
        return t
    }
}
