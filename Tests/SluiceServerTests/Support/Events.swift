import Foundation

/// Event JSON as an editor agent would post it.
enum Events {
    static let session = "0190c1a0-0000-7000-8000-000000000001"

    /// One valid event; `extra` fields are appended (a later duplicate key wins).
    static func json(id: UUID = UUID(), at date: Date = Date(), project: Int = 1, _ extra: String = "") -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return #"{"id":"\#(id.uuidString.lowercased())","timestamp":"\#(formatter.string(from: date))","eventType":"tool_use","agentId":"claude-code","agentVersion":"2.0.1","sessionId":"\#(session)","projectId":\#(project),"context":{"cwd":"/work/app","branch":"main"},"data":{"toolName":"Bash","command":"swift test"},"metrics":{"durationMs":1234},"tags":["ci"],"severity":"info"\#(extra.isEmpty ? "" : "," + extra)}"#
    }

    static func array(_ events: [String]) -> String { "[" + events.joined(separator: ",") + "]" }
}
