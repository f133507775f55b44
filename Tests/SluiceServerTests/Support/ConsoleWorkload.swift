import Foundation
import SluiceTestSupport

/// A known, seeded workload for the console's browser tests: sessions of two projects over the
/// last 60 hours, each with prompts, LLM requests (tokens, cost, model), responses, tool calls
/// (durations, some failing), commands, file reads and now and then an error. One prompt holds
/// markup meant to run (`<script>`, an `onerror` handler); one project-B prompt holds a word only
/// project B may find.
struct ConsoleWorkload {
    struct Session {
        var id: String
        var project: Int
        var agent: String
        var events: [String]
    }

    static let markup = #"<script>alert(1)</script><img src=x onerror="window.__xss=1">"#
    static let secretWord = "zebracorn"

    var sessions: [Session] = []
    var xssSession = ""
    var secretSession = ""

    init(seed: UInt64, projectA: Int, projectB: Int, now: Date = Date()) {
        var g = SeededGenerator(seed: seed)
        let words = ["parser", "flaky", "test", "migration", "cursor", "index", "timeout", "retry", "cache", "schema", "build", "lint"]
        let tools = ["Bash", "Read", "Edit", "Grep", "Write"]
        let models = ["claude-sonnet-4-5", "claude-haiku-4-5", "gpt-5"]
        let agents = ["claude-code", "copilot"]
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for i in 0..<14 {
            let project = i % 3 == 2 ? projectB : projectA
            let agent = agents[g.int(agents.count)]
            let id = g.uuid().uuidString.lowercased()
            var t = now.addingTimeInterval(-Double(3600 + Int(g.int(59 * 3600))))
            var events: [String] = []
            func add(_ type: String, data: String, metrics: String = "null", severity: String = "info") {
                t = t.addingTimeInterval(Double(2 + g.int(40)))
                events.append(#"{"id":"\#(g.uuid().uuidString.lowercased())","timestamp":"\#(formatter.string(from: t))","eventType":"\#(type)","agentId":"\#(agent)","agentVersion":"1.0.\#(i)","sessionId":"\#(id)","projectId":\#(project),"context":{"workspaceId":"ws-\#(project)"},"data":\#(data),"metrics":\#(metrics),"severity":"\#(severity)"}"#)
            }
            func sentence(_ n: Int) -> String { (0..<n).map { _ in words[g.int(words.count)] }.joined(separator: " ") }
            let rounds = 2 + Int(g.int(5))
            for r in 0..<rounds {
                var prompt = "Please look at the " + sentence(6)
                if i == 0 && r == 0 { prompt = "Render this literally: " + Self.markup; xssSession = id }
                if project == projectB && secretSession.isEmpty { prompt += " " + Self.secretWord; secretSession = id }
                add("user_interaction", data: jsonObject(["prompt": prompt]))
                let model = models[g.int(models.count)]
                let input = 100 + Int(g.int(5000)), output = 10 + Int(g.int(800))
                let cacheRead = Int(g.int(3000)), cacheWrite = Int(g.int(500))
                let cost = Double(g.int(90_000)) / 1_000_000
                add("llm_request", data: jsonObject(["model": model]),
                    metrics: #"{"inputTokens":\#(input),"outputTokens":\#(output),"cacheReadTokens":\#(cacheRead),"cacheCreationTokens":\#(cacheWrite),"cost":\#(cost),"durationMs":\#(200 + g.int(9000))}"#)
                add("llm_response", data: jsonObject(["response": "I changed the " + sentence(8), "model": model]))
                for _ in 0..<(1 + Int(g.int(3))) {
                    let tool = tools[g.int(tools.count)]
                    let ok = g.int(10) != 0
                    add("tool_use", data: #"{"toolName":"\#(tool)","success":\#(ok),"command":"swift test --filter \#(words[r % words.count])"}"#,
                        metrics: #"{"durationMs":\#(5 + g.int(4000))}"#)
                }
                if g.int(3) == 0 { add("file_read", data: #"{"filePath":"Sources/App/\#(words[r % words.count]).swift"}"#) }
                if g.int(4) == 0 { add("command_execute", data: #"{"command":"make test","exitCode":\#(g.int(2))}"#) }
                if g.int(6) == 0 { add("error_encountered", data: jsonObject(["error": "build failed: " + sentence(3)]), severity: "error") }
            }
            sessions.append(Session(id: id, project: project, agent: agent, events: events))
        }
    }

    var allEvents: [String] { sessions.flatMap(\.events) }
}

/// A JSON object of string members, escaped by JSONSerialization.
func jsonObject(_ members: [String: String]) -> String {
    String(decoding: (try? JSONSerialization.data(withJSONObject: members, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
}

extension SeededGenerator {
    /// A number in 0..<n.
    mutating func int(_ n: Int) -> Int { Int(next(upperBound: UInt64(n))) }
}
