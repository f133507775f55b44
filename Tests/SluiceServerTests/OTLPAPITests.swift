import AsyncHTTPClient
import CompressNIO
import Foundation
import NIOCore
import NIOHTTP1
import OpenTelemetryProto
import SluiceOTLP
import SluiceServer
import SluiceStore
import SluiceTestSupport
import SwiftProtobuf
import Testing

/// `POST /v1/logs` and `POST /v1/metrics` over real sockets.
@Suite struct OTLPAPITests {
    static let session = "0190c1a0-0000-7000-8000-0000000071a0"

    static func kv(_ key: String, _ value: String) -> KeyValue {
        var kv = KeyValue()
        kv.key = key
        kv.value.stringValue = value
        return kv
    }

    /// Claude Code records of one prompt, `count` of them (sequences 1…count), the first a prompt.
    static func logs(count: Int = 4, start: UInt64 = UInt64(Date().timeIntervalSince1970) * 1_000_000_000) -> ExportLogsRequest {
        var scope = ScopeLogs()
        scope.scope.name = "com.anthropic.claude_code.events"
        for i in 0..<count {
            var r = LogRecord()
            r.timeUnixNano = start + UInt64(i) * 1_000_000
            let name = i == 0 ? "user_prompt" : i % 2 == 1 ? "api_request" : "tool_result"
            r.body.stringValue = "claude_code.\(name)"
            r.attributes = [kv("session.id", session), kv("event.name", name), kv("event.sequence", String(i + 1)),
                            kv("prompt.id", "p-1"), kv("user.email", "dev@example.com")]
            switch name {
            case "user_prompt": r.attributes += [kv("prompt", "run the tests"), kv("prompt_length", "13")]
            case "api_request": r.attributes += [kv("model", "claude-sonnet-4-5"), kv("input_tokens", "1000"), kv("output_tokens", "200"),
                                                 kv("cost_usd", "0.5"), kv("duration_ms", "900")]
            default: r.attributes += [kv("tool_name", "Read"), kv("success", "true"), kv("duration_ms", "12")]
            }
            scope.logRecords.append(r)
        }
        var rl = ResourceLogs()
        rl.resource.attributes = [kv("service.name", "claude-code"), kv("service.version", "2.0.14")]
        rl.scopeLogs = [scope]
        var request = ExportLogsRequest()
        request.resourceLogs = [rl]
        return request
    }

    static func tokenMetrics(start: UInt64) -> ExportMetricsRequest {
        var sum = Opentelemetry_Proto_Metrics_V1_Sum()
        sum.aggregationTemporality = .delta
        sum.isMonotonic = true
        for (type, n) in [("input", 1000), ("output", 200)] {
            var p = Opentelemetry_Proto_Metrics_V1_NumberDataPoint()
            p.timeUnixNano = start
            p.asInt = Int64(n)
            p.attributes = [kv("session.id", session), kv("type", type), kv("model", "claude-sonnet-4-5")]
            sum.dataPoints.append(p)
        }
        var m = Metric()
        m.name = "claude_code.token.usage"
        m.unit = "tokens"
        m.sum = sum
        var sm = ScopeMetrics()
        sm.metrics = [m]
        var rm = ResourceMetrics()
        rm.resource.attributes = [kv("service.name", "claude-code")]
        rm.scopeMetrics = [sm]
        var request = ExportMetricsRequest()
        request.resourceMetrics = [rm]
        return request
    }

    static let protobuf = [("Content-Type", "application/x-protobuf")]

    func count(_ db: String, _ filter: String = "true") async throws -> Int {
        try await TestDatabase.query(db) { conn throws(StoreError) in
            Int(try conn.execute("SELECT count(*) FROM agent_events WHERE \(filter)").scalar(String.self) ?? "0") ?? 0
        }
    }

    @Test func protobufJSONAndGzipBodiesAreStored() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in

            let pb = try await rawRequest(port: server.port, "/v1/logs", body: try Self.logs().serializedBytes(), headers: Self.protobuf)
            #expect(pb.status == 200)
            #expect(pb.headers.first(name: "Content-Type") == "application/x-protobuf")
            let answer = try ExportLogsResponse(serializedBytes: pb.bytes)
            #expect(!answer.hasPartialSuccess)

            let json = #"""
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},
              "scopeLogs":[{"logRecords":[{"timeUnixNano":"1795579200000000000","body":{"stringValue":"claude_code.tool_decision"},
                "attributes":[{"key":"session.id","value":{"stringValue":"0190c1a0-0000-7000-8000-0000000071a1"}},
                              {"key":"event.sequence","value":{"intValue":"1"}},
                              {"key":"tool_name","value":{"stringValue":"Write"}},{"key":"decision","value":{"stringValue":"reject"}}],
                "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}]}
            """#
            let js = try await post(port: server.port, path: "/v1/logs", json)
            #expect(js.status == 200)
            #expect(js.body == "{}")
            #expect(js.headers.first(name: "Content-Type") == "application/json")

            var plain = ByteBuffer(bytes: try Self.logs(count: 3, start: 1_795_579_300_000_000_000).serializedBytes() as [UInt8])
            let gz = try await rawRequest(port: server.port, "/v1/logs", body: Array(buffer: try plain.compress(with: .gzip())),
                                          headers: Self.protobuf + [("Content-Encoding", "gzip")])
            #expect(gz.status == 200)

            #expect(try await count(db) == 8)
            let rows = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("""
                    SELECT event_type, agent_id, data->>'toolName', data->'attributes'->>'user.email', context->>'traceId',
                           metrics->>'inputTokens'
                    FROM agent_events ORDER BY "timestamp", event_type
                    """).rows
            }
            #expect(rows[0] == ["tool_decision", "claude-code", "Write", nil, "5b8efff798038103d269b633813fc60c", nil])
            #expect(rows.filter { $0[0] == "llm_request" }.allSatisfy { $0[5] == "1000" && $0[3] == "dev@example.com" })
            #expect(rows.map { $0[0] ?? "" }.sorted() == ["llm_request", "llm_request", "llm_request", "tool_decision", "tool_use", "tool_use",
                                                         "user_interaction", "user_interaction"].sorted())
        }
    }

    @Test func aBadRecordIsAPartialSuccess() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            var request = Self.logs(count: 5)
            request.resourceLogs[0].scopeLogs[0].logRecords[2].timeUnixNano = 0
            request.resourceLogs[0].scopeLogs[0].logRecords[2].observedTimeUnixNano = 0

            let pb = try await rawRequest(port: server.port, "/v1/logs", body: try request.serializedBytes(), headers: Self.protobuf)
            #expect(pb.status == 200)
            let answer = try ExportLogsResponse(serializedBytes: pb.bytes)
            #expect(answer.partialSuccess.rejectedLogRecords == 1)
            #expect(answer.partialSuccess.errorMessage.hasPrefix("1 log record rejected: resourceLogs[0].scopeLogs[0].logRecords[2]: no timestamp"))
            #expect(try await count(db) == 4)

            // The same in JSON: the answer is OTLP/JSON.
            let json = String(decoding: try request.jsonUTF8Bytes() as [UInt8], as: UTF8.self)
            let js = try await post(port: server.port, path: "/v1/logs", json)
            #expect(js.status == 200)
            let success = js.json["partialSuccess"] as? [String: Any]
            #expect(success?["rejectedLogRecords"] as? String == "1")
            #expect(try await count(db) == 4)  // the rest was a retry
        }
    }

    @Test func retriesAreStoredOnce() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            let request = Self.logs(count: 6, start: 1_795_579_200_000_000_000)
            let body: [UInt8] = try request.serializedBytes()
            for _ in 0..<3 {
                #expect(try await rawRequest(port: server.port, "/v1/logs", body: body, headers: Self.protobuf).status == 200)
            }
            // The same records in JSON, and again gzipped: still the same events.
            #expect(try await post(port: server.port, path: "/v1/logs", String(decoding: try request.jsonUTF8Bytes() as [UInt8], as: UTF8.self)).status == 200)
            var buffer = ByteBuffer(bytes: body)
            let gz = try await rawRequest(port: server.port, "/v1/logs", body: Array(buffer: try buffer.compress(with: .gzip())),
                                          headers: Self.protobuf + [("Content-Encoding", "gzip")])
            #expect(gz.status == 200)
            let metrics: [UInt8] = try Self.tokenMetrics(start: 1_795_579_200_000_000_000).serializedBytes()
            for _ in 0..<2 {
                #expect(try await rawRequest(port: server.port, "/v1/metrics", body: metrics, headers: Self.protobuf).status == 200)
            }
            #expect(try await count(db, "event_type <> 'metric'") == 6)
            #expect(try await count(db, "event_type = 'metric'") == 2)
        }
    }

    @Test func metricsNeverDoubleCountTokensInAggregates() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            let start = UInt64(Date().timeIntervalSince1970) * 1_000_000_000
            // Two api_request events (1000 in, 200 out, $0.5 each) and the token counter for both.
            #expect(try await rawRequest(port: server.port, "/v1/logs", body: try Self.logs(count: 4, start: start).serializedBytes(),
                                         headers: Self.protobuf).status == 200)
            let m = try await rawRequest(port: server.port, "/v1/metrics", body: try Self.tokenMetrics(start: start).serializedBytes(),
                                         headers: Self.protobuf)
            #expect(m.status == 200)
            #expect(!(try ExportMetricsResponse(serializedBytes: m.bytes)).hasPartialSuccess)
            let deadline = ContinuousClock.now + .seconds(30)
            var seen: [String?] = []
            while ContinuousClock.now < deadline {
                seen = try await TestDatabase.query(db) { conn throws(StoreError) in
                    try conn.execute("""
                        SELECT (SELECT sum(event_count)::text FROM agent_events_hourly),
                               (SELECT sum(tokens_in)::text || '/' || sum(tokens_out)::text || '/' || sum(cost_usd)::text FROM agent_events_hourly),
                               (SELECT metrics->>'inputTokens' FROM agent_sessions WHERE id = $1::uuid)
                        """, [Self.session]).rows[0]
                }
                if seen[0] == "6" && seen[2] != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(seen == ["6", "2000/400/1.0", "2000"])
        }
    }

    @Test func projectsComeFromTheKeyOrAnAttribute() async throws {
        let db = try await TestDatabase.fresh()
        let key = try await TestDatabase.query(db) { conn throws(StoreError) in
            try APIKeys.create(name: "otel", projectName: "acme/otel", admin: false, on: conn)
        }
        let project = try #require(key.record.projectId)
        try await TestServer.with(databaseURL: db) { server in
            var request = Self.logs(count: 3)
            request.resourceLogs[0].scopeLogs[0].logRecords[2].attributes.append(Self.kv(OTLPMapper.projectAttribute, String(project + 100)))
            let body: [UInt8] = try request.serializedBytes()

            let anonymous = try await rawRequest(port: server.port, "/v1/logs", body: body, headers: Self.protobuf)
            #expect(anonymous.status == 401)
            #expect(anonymous.headers.first(name: "Content-Type") == "application/x-protobuf")
            #expect(String(decoding: anonymous.bytes, as: UTF8.self).contains("Authorization=Bearer"))

            let r = try await rawRequest(port: server.port, "/v1/logs", body: body,
                                         headers: Self.protobuf + [("Authorization", "Bearer \(key.key)")])
            #expect(r.status == 200)
            let answer = try ExportLogsResponse(serializedBytes: r.bytes)
            #expect(answer.partialSuccess.rejectedLogRecords == 1)
            #expect(answer.partialSuccess.errorMessage.contains("may not write events of project \(project + 100)"))
            #expect(try await count(db, "project_id = \(project)") == 2)
        }
    }

    @Test func unreadableRequestsGetAStatus() async throws {
        let db = try await TestDatabase.fresh()
        var config = ServerConfiguration(port: 0)
        config.maxEventsPerRequest = 10
        try await TestServer.with(databaseURL: db, configuration: config) { server in
            let garbage = try await rawRequest(port: server.port, "/v1/logs", body: [0xFF, 0xFF, 0xFF], headers: Self.protobuf)
            #expect(garbage.status == 400)
            #expect(garbage.bytes.first == 0x08 && garbage.bytes.dropFirst().first == 3)  // google.rpc.Status code 3
            let badJSON = try await post(port: server.port, path: "/v1/metrics", "{\"resourceMetrics\": 5}")
            #expect(badJSON.status == 400)
            #expect(badJSON.json["code"] as? Int == 3)
            #expect((badJSON.json["message"] as? String)?.contains("not a valid OTLP/JSON") == true)
            let text = try await post(port: server.port, path: "/v1/logs", "hello", headers: [("Content-Type", "text/plain")])
            #expect(text.status == 415)
            let many = try await rawRequest(port: server.port, "/v1/logs", body: try Self.logs(count: 11).serializedBytes(), headers: Self.protobuf)
            #expect(many.status == 413)
            #expect(try await count(db) == 0)
        }
    }
}

/// A response with its raw body bytes (protobuf answers are not text).
struct RawResult {
    var status: Int
    var headers: HTTPHeaders
    var bytes: [UInt8]
}

func rawRequest(port: Int, _ path: String, body: [UInt8], headers: [(String, String)]) async throws -> RawResult {
    var req = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    req.method = .POST
    for (k, v) in headers { req.headers.add(name: k, value: v) }
    req.body = .bytes(ByteBuffer(bytes: body))
    let response = try await HTTPClient.shared.execute(req, timeout: .seconds(30))
    let buffer = try await response.body.collect(upTo: 64 << 20)
    return RawResult(status: Int(response.status.code), headers: response.headers, bytes: Array(buffer: buffer))
}
