import Foundation
import AsyncHTTPClient
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SluiceCore
import SluiceStore

/// Where imported events go.
public protocol EventSink: Sendable {
    /// Stores `events`; returns once they are durable. Retrying with the same events is safe:
    /// their ids are deterministic and the log deduplicates on (id, timestamp).
    func send(_ events: [AgentEvent]) async throws -> SinkOutcome
    func close() async
}

/// What a sink did with a batch.
public struct SinkOutcome: Sendable {
    /// Events new to the log (nil when the sink cannot tell: HTTP answers "stored" for both).
    public var inserted: Int?
    /// Events the server refused, with its reason.
    public var rejected: [String] = []
    /// Secrets the sink replaced, by rule (the database sink; over HTTP the server redacts).
    public var redacted: [String: Int] = [:]

    public init(inserted: Int?, rejected: [String] = [], redacted: [String: Int] = [:]) {
        self.inserted = inserted
        self.rejected = rejected
        self.redacted = redacted
    }
}

/// Straight into the database through the server's own COPY writer (``EventWriter``).
///
/// Secrets are redacted here as the server's ingest routes do (``Redactor``): imported events
/// that go over HTTP are redacted by the server.
public final class DatabaseSink: EventSink {
    private let worker: ConnectionWorker
    private let redactor: Redactor

    public init(url: String, redactor: Redactor = Redactor()) {
        worker = ConnectionWorker(url: url)
        self.redactor = redactor
    }

    public func send(_ events: [AgentEvent]) async throws -> SinkOutcome {
        guard !events.isEmpty else { return SinkOutcome(inserted: 0) }
        var encoder = CopyBinaryEncoder(reservingCapacity: events.count * 700)
        var redacted: [String: Int] = [:]
        for var e in events {
            redactor.redact(&e, counts: &redacted)
            encoder.append(e)
        }
        let chunks = [encoder]
        var attempt = 0
        while true {
            attempt += 1
            do {
                let outcome = try await worker.run { conn throws(StoreError) in try EventWriter.write(chunks, on: conn) }
                let rejected = (outcome.refused[0] ?? []).map { "\(events[$0.row].id.lowercased): \($0.reason)" }
                return SinkOutcome(inserted: outcome.inserted, rejected: rejected, redacted: redacted)
            } catch {
                // Deadlocks and serialization failures, or a dropped connection: the same rows again.
                guard attempt < 5, error.isTransient || Self.retryable(error) else {
                    throw ImportError("storing \(events.count) events failed: \(error); nothing of this batch was stored, run the import again")
                }
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }

    private static func retryable(_ e: StoreError) -> Bool {
        if case .server(let state, _, _) = e { return state == "40P01" || state == "40001" }
        return false
    }

    public func close() async { await worker.shutdown() }
}

/// `POST /v1/events` on a Sluice server, with `Authorization: Bearer <key>`; retries 429, 503
/// and connection failures with the same events (same ids), honouring `Retry-After`.
public final class HTTPSink: EventSink {
    private let client: HTTPClient
    private let url: String
    private let key: String?
    private let logger: Logger
    /// Attempts per batch before giving up.
    public let maximumAttempts: Int

    public init(url: String, key: String?, maximumAttempts: Int = 20, logger: Logger = Logger(label: "sluice.import")) {
        self.client = HTTPClient(eventLoopGroupProvider: .singleton)
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        self.url = base.hasSuffix("/v1/events") ? base : base + "/v1/events"
        self.key = key
        self.logger = logger
        self.maximumAttempts = maximumAttempts
    }

    public func send(_ events: [AgentEvent]) async throws -> SinkOutcome {
        var outcome = SinkOutcome(inserted: nil)
        // The server takes at most 10,000 events and 5 MB per request: stay well below.
        var start = 0
        while start < events.count {
            var body: [UInt8] = [UInt8(ascii: "[")]
            var end = start
            while end < events.count, end - start < 1000, body.count < 2_000_000 {
                if end > start { body.append(UInt8(ascii: ",")) }
                EventJSON.append(events[end], to: &body)
                end += 1
            }
            body.append(UInt8(ascii: "]"))
            outcome.rejected += try await post(body, count: end - start)
            start = end
        }
        return outcome
    }

    private func post(_ body: [UInt8], count: Int) async throws -> [String] {
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
            request.body = .bytes(ByteBuffer(bytes: body))
            var wait = Double(min(attempt, 10)) * 0.5
            do {
                let response = try await client.execute(request, timeout: .seconds(120))
                let data = try await response.body.collect(upTo: 64 << 20)
                switch response.status.code {
                case 200: return []
                case 207:
                    return Self.rejections(Data(buffer: data))
                case 429, 503:
                    if let s = response.headers.first(name: "Retry-After").flatMap(Double.init) { wait = s }
                    logger.info("server busy; retrying the same events", metadata: ["status": "\(response.status.code)", "attempt": "\(attempt)"])
                case 401, 403:
                    throw ImportError("the server refused the key (\(response.status.code)); give a valid key with --key or SLUICE_API_KEY (create one with `sluice keys create`)")
                default:
                    let text = String(buffer: data)
                    throw ImportError("the server answered \(response.status.code) for \(count) events: \(text.prefix(500))")
                }
            } catch let error as ImportError {
                throw error
            } catch {
                logger.info("request failed; retrying the same events", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
            }
            guard attempt < maximumAttempts else {
                throw ImportError("the server at \(url) did not accept \(count) events after \(attempt) attempts; nothing is lost: run the import again")
            }
            try await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
        }
    }

    private static func rejections(_ data: Data) -> [String] {
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let results = obj["results"] as? [[String: Any]] else { return ["207 without a readable body"] }
        return results.compactMap { r in
            guard (r["status"] as? String) == "rejected" else { return nil }
            return "\(r["id"] as? String ?? "?"): \(r["error"] as? String ?? "rejected")"
        }
    }

    public func close() async { try? await client.shutdown() }
}

/// Events as devlog-style JSON (the body of `POST /v1/events`).
public enum EventJSON {
    public static func append(_ e: AgentEvent, to out: inout [UInt8]) {
        var s = "{\"id\":\"\(e.id.lowercased)\",\"timestamp\":\"\(e.timestamp.rfc3339)\",\"eventType\":"
        out.append(contentsOf: s.utf8)
        JSONBuilder.appendEscaped(e.eventType, limit: .max, to: &out)
        out.append(contentsOf: ",\"agentId\":".utf8)
        JSONBuilder.appendEscaped(e.agentId, limit: .max, to: &out)
        out.append(contentsOf: ",\"agentVersion\":".utf8)
        JSONBuilder.appendEscaped(e.agentVersion, limit: .max, to: &out)
        s = ",\"sessionId\":\"\(e.sessionId.lowercased)\",\"projectId\":\(e.projectId),\"context\":"
        out.append(contentsOf: s.utf8)
        out.append(contentsOf: e.context.bytes)
        out.append(contentsOf: ",\"data\":".utf8)
        out.append(contentsOf: e.data.bytes)
        if let m = e.metrics {
            out.append(contentsOf: ",\"metrics\":".utf8)
            out.append(contentsOf: m.bytes)
        }
        if let p = e.parentEventId { out.append(contentsOf: ",\"parentEventId\":\"\(p.lowercased)\"".utf8) }
        if let sev = e.severity { out.append(contentsOf: ",\"severity\":\"\(sev.rawValue)\"".utf8) }
        out.append(UInt8(ascii: "}"))
    }
}
