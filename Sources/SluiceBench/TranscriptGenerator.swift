import Foundation
import SluiceCore

/// Writes realistic Claude Code transcripts for the import benchmark: sessions of prompts,
/// assistant messages written one line per content block (thinking, text, tool_use, each
/// repeating the message's usage), tool results carrying file contents and command output,
/// and a subagent file per few sessions. Deterministic for a seed.
struct TranscriptGenerator {
    var random: SeededRandom
    private let words = ["cart", "coupon", "total", "order", "user", "test", "fix", "the", "a", "of", "when", "is", "and",
                         "function", "return", "value", "error", "module", "config", "parse", "request", "response", "cache"]

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func sentence(_ n: ClosedRange<Int>) -> String {
        (0..<random.int(n)).map { _ in random.pick(words) }.joined(separator: " ")
    }

    /// Source-like text with newlines, quotes and tabs (escaped in JSON, as real tool results are).
    mutating func code(lines: Int) -> String {
        (1...lines).map { i in "\(String(repeating: " ", count: 5 - min(4, String(i).count)))\(i)\u{2192}    let \(random.pick(words)) = \"\(sentence(1...4))\"\t// \(sentence(2...8))" }
            .joined(separator: "\n")
    }

    /// Writes sessions into `directory` until about `bytes` are written; returns the files.
    mutating func write(into directory: String, bytes: Int64) throws -> [String] {
        var files: [String] = []
        var written: Int64 = 0
        var session = 0
        let project = (directory as NSString).appendingPathComponent("-home-dev-bench")
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        while written < bytes {
            session += 1
            let sid = random.uuidV4().lowercased
            let path = (project as NSString).appendingPathComponent("\(sid).jsonl")
            var out: [UInt8] = []
            out.reserveCapacity(4 << 20)
            self.session(sid: sid, sidechain: nil, turns: random.int(20...60), into: &out)
            FileManager.default.createFile(atPath: path, contents: Data(out))
            files.append(path)
            written += Int64(out.count)
            if session % 4 == 0 {
                let sub = (project as NSString).appendingPathComponent("\(sid)/subagents")
                try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
                var s: [UInt8] = []
                let agent = String(random.next() % 0xFFFF_FFFF, radix: 16)
                self.session(sid: sid, sidechain: agent, turns: random.int(5...15), into: &s)
                let subPath = (sub as NSString).appendingPathComponent("agent-\(agent).jsonl")
                FileManager.default.createFile(atPath: subPath, contents: Data(s))
                files.append(subPath)
                written += Int64(s.count)
            }
        }
        return files
    }

    private mutating func session(sid: String, sidechain agent: String?, turns: Int, into out: inout [UInt8]) {
        var ms: Int64 = 1_760_000_000_000 + Int64(random.int(0...10_000_000)) * 1000
        var parent: String? = nil
        var n = 0
        let side = agent != nil
        func envelope(_ type: String, _ uuid: String) -> String {
            let p = parent.map { "\"\($0)\"" } ?? "null"
            let a = agent.map { ",\"agentId\":\"agent-\($0)\"" } ?? ""
            return "\"parentUuid\":\(p),\"isSidechain\":\(side),\"userType\":\"external\",\"cwd\":\"/home/dev/bench\",\"sessionId\":\"\(sid)\",\"version\":\"2.0.14\",\"gitBranch\":\"main\"\(a),\"type\":\"\(type)\",\"uuid\":\"\(uuid)\",\"timestamp\":\"\(Timestamp(microsecondsSinceEpoch: ms * 1000).rfc3339.dropLast(4))Z\""
        }
        func line(_ s: String) { out.append(contentsOf: s.utf8); out.append(0x0A) }
        func json(_ s: String) -> String {
            var b: [UInt8] = []
            appendJSONString(s, to: &b)
            return String(decoding: b, as: UTF8.self)
        }
        for _ in 0..<turns {
            n += 1
            let u = "\(sid.prefix(8))-u\(n)"
            line("{\(envelope("user", u)),\"message\":{\"role\":\"user\",\"content\":\(json(sentence(8...60)))}}")
            parent = u
            ms += Int64(random.int(500...3000))
            for step in 0..<random.int(1...6) {
                n += 1
                let mid = "msg_01\(random.next() % 1_000_000_000_000)"
                let rid = "req_011\(random.next() % 1_000_000_000_000)"
                let cacheRead = random.int(5000...120_000)
                let usage = "{\"input_tokens\":\(random.int(1...50)),\"cache_creation_input_tokens\":\(random.int(0...4000)),\"cache_read_input_tokens\":\(cacheRead),\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},\"output_tokens\":\(random.int(5...900)),\"service_tier\":\"standard\"}"
                var blocks: [String] = []
                if random.chance(0.4) { blocks.append("{\"type\":\"thinking\",\"thinking\":\(json(sentence(40...200))),\"signature\":\"\(String(repeating: "Eq", count: 200))\"}") }
                if random.chance(0.7) || step == 0 { blocks.append("{\"type\":\"text\",\"text\":\(json(sentence(10...120)))}") }
                let tool = random.pick(["Read", "Edit", "Bash", "Grep", "Write"])
                let toolId = "toolu_01\(random.next() % 1_000_000_000_000)"
                let input: String
                switch tool {
                case "Read": input = "{\"file_path\":\"/home/dev/bench/src/\(random.pick(words)).swift\"}"
                case "Edit": input = "{\"file_path\":\"/home/dev/bench/src/\(random.pick(words)).swift\",\"old_string\":\(json(code(lines: random.int(2...10)))),\"new_string\":\(json(code(lines: random.int(2...12))))}"
                case "Bash": input = "{\"command\":\"swift test --filter \(random.pick(words))\",\"description\":\"Run the tests\"}"
                case "Grep": input = "{\"pattern\":\"\(random.pick(words))\",\"path\":\"/home/dev/bench\"}"
                default: input = "{\"file_path\":\"/home/dev/bench/src/new.swift\",\"content\":\(json(code(lines: random.int(10...60))))}"
                }
                blocks.append("{\"type\":\"tool_use\",\"id\":\"\(toolId)\",\"name\":\"\(tool)\",\"input\":\(input)}")
                for (k, block) in blocks.enumerated() {
                    let a = "\(sid.prefix(8))-a\(n)-\(k)"
                    let stop = k == blocks.count - 1 ? "\"tool_use\"" : "null"
                    line("{\(envelope("assistant", a)),\"message\":{\"id\":\"\(mid)\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[\(block)],\"stop_reason\":\(stop),\"stop_sequence\":null,\"usage\":\(usage)},\"requestId\":\"\(rid)\"}")
                    parent = a
                    ms += Int64(random.int(100...2000))
                }
                n += 1
                let r = "\(sid.prefix(8))-r\(n)"
                let error = random.chance(0.05)
                let content = tool == "Read" ? code(lines: random.int(20...150)) : (error ? "Error: \(sentence(5...20))" : sentence(5...80))
                let result = tool == "Read"
                    ? ",\"toolUseResult\":{\"type\":\"text\",\"file\":{\"filePath\":\"/home/dev/bench/src/x.swift\",\"content\":\(json(content)),\"numLines\":50,\"startLine\":1,\"totalLines\":50}}"
                    : ",\"toolUseResult\":{\"stdout\":\(json(content)),\"stderr\":\"\",\"interrupted\":false,\"isImage\":false}"
                line("{\(envelope("user", r)),\"message\":{\"role\":\"user\",\"content\":[{\"tool_use_id\":\"\(toolId)\",\"type\":\"tool_result\",\"content\":\(json(content)),\"is_error\":\(error)}]}\(result)}")
                parent = r
                ms += Int64(random.int(50...20_000))
            }
        }
    }
}
