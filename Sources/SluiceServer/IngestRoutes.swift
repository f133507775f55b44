import Foundation
import Hummingbird
import Logging
import NIOCore
import SluiceCore
import SluiceIngest
import SluiceStore

/// `POST /v1/events` and devlog's `POST /api/events/batch` and `POST /api/events`.
struct IngestRoutes: Sendable {
    let configuration: ServerConfiguration
    let pipeline: IngestPipeline
    let auth: Authenticator
    let limiter: RateLimiter

    func register(on router: Router<SluiceRequestContext>) {
        router.post("/v1/events") { request, context in try await ingest(request, context) }
        router.post("/api/events/batch") { request, context in try await ingest(request, context) }
        router.post("/api/events") { request, context in try await ingest(request, context) }
    }

    /// Decodes, authorizes and stores the events of one request; answers after COMMIT.
    func ingest(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let principal: Principal
        do {
            principal = try await auth.authenticate(request.headers[.authorization])
        } catch {
            return authFailure(error)
        }
        let client = RateLimiter.client(principal, context)
        if let refusal = limiter.admit(client, limit: principal.rateLimit) {
            EventTally.refusedRequest(.rateLimited)
            try? await Task.sleep(for: refusal.hold)
            return errorResponse(.tooManyRequests, RateLimiter.advice(refusal.retryAfter), retryAfter: refusal.retryAfter)
        }
        let body: ByteBuffer
        switch await readBody(request, limit: configuration.maxBodyBytes) {
        case .success(let b): body = b
        case .failure(.tooLarge): return tooLarge()
        case .failure(.unsupportedEncoding(let encoding)):
            return errorResponse(.unsupportedMediaType, "Content-Encoding \(encoding) is not supported; send gzip or identity")
        case .failure(.badGzip(let why)): return errorResponse(.badRequest, "the gzip body cannot be decoded: \(why)")
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? "application/json"
        let format: BatchFormat = contentType.contains("ndjson") || contentType.contains("jsonl") ? .ndjson : .json
        let decoder = EventBatchDecoder(
            eventDecoder: EventDecoder(maximumEventBytes: configuration.maxEventBytes),
            maximumEvents: configuration.maxEventsPerRequest)
        let defaults = EventDecoder.Defaults(projectId: principal.defaultProject)

        let outcomes: [EventDecoder.Outcome]
        do {
            outcomes = try body.withUnsafeReadableBytes { raw throws(EventBatchDecoder.Failure) in
                try decoder.decode(raw.bindMemory(to: UInt8.self), format: format, defaults: defaults)
            }
        } catch {
            switch error {
            case .unreadable(let e): return errorResponse(.badRequest, e.message)
            case .tooManyEvents(let limit):
                return errorResponse(.contentTooLarge, "a request may carry at most \(limit) events; split the batch")
            }
        }

        limiter.charge(client, events: outcomes.count, limit: principal.rateLimit)
        var rows = CopyBinaryEncoder(reservingCapacity: body.readableBytes + outcomes.count * 160)
        var items: [IngestResponse.Item] = []
        items.reserveCapacity(outcomes.count)
        var itemOfRow: [Int] = []
        itemOfRow.reserveCapacity(outcomes.count)
        var projectOfRow: [Int32] = []
        projectOfRow.reserveCapacity(outcomes.count)
        var tally = EventTally()
        defer { tally.record() }
        for outcome in outcomes {
            switch outcome {
            case .success(var event):
                tally.receive(project: event.projectId)
                if principal.allows(project: event.projectId) {
                    configuration.redactor.redact(&event, counts: &tally.redacted)
                    rows.append(event)
                    itemOfRow.append(items.count)
                    projectOfRow.append(event.projectId)
                    items.append(.stored(event.id))
                } else {
                    tally.reject(project: event.projectId, .forbiddenProject)
                    items.append(.rejected(event.id, EventRejection(
                        field: "projectId", "this API key may not write events of project \(event.projectId)")))
                }
            case .failure(let rejected):
                tally.receive(project: nil)
                tally.reject(project: nil, .invalid, field: rejected.rejection.field)
                items.append(.rejected(rejected.id, rejected.rejection))
            }
        }

        do {
            for refusal in try await pipeline.submit(rows) {
                let item = itemOfRow[refusal.row]
                guard case .stored(let id) = items[item] else { continue }
                tally.reject(project: projectOfRow[refusal.row], .refusedByDatabase)
                items[item] = .rejected(id, EventRejection(field: nil, refusal.reason))
            }
        } catch {
            switch error {
            case .saturated(let s):
                EventTally.refusedRequest(.queueFull)
                return errorResponse(.tooManyRequests, error.description, retryAfter: s)
            case .unavailable(let s, _):
                EventTally.refusedRequest(.unavailable)
                return errorResponse(.serviceUnavailable, error.description, retryAfter: s)
            case .shuttingDown:
                EventTally.refusedRequest(.shuttingDown)
                return errorResponse(.serviceUnavailable, error.description, retryAfter: 1)
            case .failed(let m):
                context.logger.error("ingest failed", metadata: ["error": "\(m)"])
                return errorResponse(.internalServerError, error.description)
            }
        }
        let response = IngestResponse(items: items)
        return jsonResponse(response.rejected == 0 ? .ok : HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status"), bytes: response.json())
    }

    private func tooLarge() -> Response {
        errorResponse(.contentTooLarge, "the request body is over \(configuration.maxBodyBytes) bytes; split the batch")
    }
}

func authFailure(_ error: Authenticator.Failure) -> Response {
    switch error {
    case .missing: errorResponse(.unauthorized, "an API key is required: send Authorization: Bearer <key> (create one with `sluice keys create`)")
    case .invalid: errorResponse(.unauthorized, "the API key is not valid or was revoked")
    case .unavailable: errorResponse(.serviceUnavailable, "cannot check the API key: database unavailable", retryAfter: 2)
    }
}
