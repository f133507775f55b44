import Foundation
import SluiceProcess
import SluiceStore
import SluiceTestSupport
import Testing

/// The OpenTelemetry Python SDK's OTLP/HTTP exporters (protobuf, gzip) as the client, sending
/// Claude-Code-shaped events and counters (scripts/otlp_claude_code.py). The packages come from
/// scripts/install-deps.sh; without them the test is skipped locally and fails under CI=true.
@Suite struct OTLPSDKTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/otlp_claude_code.py").path
    static let python = ProcessInfo.processInfo.environment["SLUICE_TEST_PYTHON"] ?? "python3"
    static let isCI = TestEnvironment.isCI

    /// Whether python3 can import the SDK and the exporter (checked once).
    static let sdkAvailable: Bool = {
        guard let r = try? runToolBlocking([python, "-c", "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http"], check: false) else { return false }
        return r.status == 0
    }()

    @Test(.enabled(if: sdkAvailable || isCI, "needs python3 with opentelemetry-sdk and opentelemetry-exporter-otlp-proto-http (make deps)"))
    func claudeCodeEventsFromTheRealSDK() async throws {
        try #require(Self.sdkAvailable, "python3 cannot import opentelemetry-sdk and opentelemetry-exporter-otlp-proto-http; run scripts/install-deps.sh")
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            let session = UUID().uuidString.lowercased(), prompt = UUID().uuidString.lowercased()

            let run = try await runTool([Self.python, Self.script, "http://127.0.0.1:\(server.port)", session, prompt], check: false)
            #expect(run.status == 0, "exporter output: \(run.output)")
            #expect(run.output.contains("logs SUCCESS") && run.output.contains("metrics SUCCESS"), "\(run.output)")

            let rows = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("""
                    SELECT event_type, agent_id, agent_version, data->'attributes'->>'event.name', data->>'model', data->>'toolName',
                           data->>'prompt', metrics->>'inputTokens', metrics->>'costUSD', metrics->>'durationMs',
                           data->'attributes'->>'user.email', context->'resource'->>'host.arch', context->>'promptId',
                           (parent_event_id IS NOT NULL)::text, severity, data->'attributes'->>'event.sequence'
                    FROM agent_events WHERE session_id = $1::uuid AND event_type <> 'metric' ORDER BY "timestamp"
                    """, [session]).rows
            }
            #expect(rows.map { $0[0] } == [
                "user_interaction", "llm_request", "tool_decision", "tool_use", "error_encountered", "claude_code.mcp_server_connection",
            ])
            #expect(rows.allSatisfy { $0[1] == "claude-code" && $0[2] == "2.0.14" && $0[10] == "dev@example.com" && $0[11] == "x64" && $0[12] == prompt })
            #expect(rows.map { $0[3] } == ["user_prompt", "api_request", "tool_decision", "tool_result", "api_error", "mcp_server_connection"])
            #expect(rows.map { $0[15] } == ["1", "2", "3", "4", "5", "6"])
            #expect(rows[0][6] == "make the OTLP test pass" && rows[0][13] == "false")
            #expect(rows[1][4] == "claude-sonnet-4-5" && rows[1][7] == "1500" && rows[1][8] == "0.0105" && rows[1][9] == "2140")
            #expect(rows[2][5] == "Bash" && rows[3][5] == "Bash")
            #expect(rows.dropFirst().allSatisfy { $0[13] == "true" })
            #expect(rows[4][14] == "error")

            let metrics = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("""
                    SELECT data->>'name', data->'attributes'->>'type', data->>'value', data->>'temporality', (metrics IS NULL)::text
                    FROM agent_events WHERE session_id = $1::uuid AND event_type = 'metric'
                    ORDER BY data->>'name', data->'attributes'->>'type'
                    """, [session]).rows
            }
            #expect(metrics == [
                ["claude_code.cost.usage", nil, "0.0105", "delta", "true"],
                ["claude_code.token.usage", "cacheCreation", "120", "delta", "true"],
                ["claude_code.token.usage", "cacheRead", "9000", "delta", "true"],
                ["claude_code.token.usage", "input", "1500", "delta", "true"],
                ["claude_code.token.usage", "output", "220", "delta", "true"],
            ])
        }
    }

}
