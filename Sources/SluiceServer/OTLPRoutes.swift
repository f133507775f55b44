import Hummingbird
import Logging
import NIOCore
import SluiceCore
import SluiceIngest
import SluiceOTLP
import SluiceStore

/// OTLP/HTTP receivers: `POST /v1/logs` and `POST /v1/metrics`, in binary protobuf or OTLP/JSON,
/// optionally gzip-compressed, so that an OpenTelemetry exporter (Claude Code's, with
/// `OTEL_EXPORTER_OTLP_ENDPOINT=http://host:3200`) writes to Sluice directly.
///
/// Records are mapped to agent events (``OTLPMapper``) and stored through the same pipeline as
/// `POST /v1/events`: the answer comes after COMMIT. As the OTLP specification says, a request
/// that was partly accepted answers 200 with `partial_success` (how many records were rejected
/// and why); 4xx and 5xx bodies are `google.rpc.Status` messages; 429 and 503 (retryable) carry
/// `Retry-After`.
struct OTLPRoutes: Sendable {
    let configuration: ServerConfiguration
    let pipeline: IngestPipeline
    let auth: Authenticator
    let limiter: RateLimiter

    enum Signal { case logs, metrics }

    func register(on router: Router<SluiceRequestContext>) {
        router.post("/v1/logs") { request, context in await export(.logs, request, context) }
        router.post("/v1/metrics") { request, context in await export(.metrics, request, context) }
    }

    func export(_ signal: Signal, _ request: Request, _ context: SluiceRequestContext) async -> Response {
        guard let encoding = OTLPEncoding(contentType: request.headers[.contentType]) else {
            return status(.unsupportedMediaType, .invalidArgument,
                          "Content-Type \(request.headers[.contentType] ?? "") is not supported; send application/x-protobuf or application/json", .json)
        }
        let principal: Principal
        do {
            principal = try await auth.authenticate(request.headers[.authorization])
        } catch {
            switch error {
            case .missing: return status(.unauthorized, .unauthenticated, "an API key is required: send Authorization: Bearer <key> (OTEL_EXPORTER_OTLP_HEADERS=\"Authorization=Bearer <key>\")", encoding)
            case .invalid: return status(.unauthorized, .unauthenticated, "the API key is not valid or was revoked", encoding)
            case .unavailable: return status(.serviceUnavailable, .unavailable, "cannot check the API key: database unavailable", encoding, retryAfter: 2)
            }
        }
        let client = RateLimiter.client(principal, context)
        if let refusal = limiter.admit(client, limit: principal.rateLimit) {
            EventTally.refusedRequest(.rateLimited)
            try? await Task.sleep(for: refusal.hold)
            return status(.tooManyRequests, .resourceExhausted, RateLimiter.advice(refusal.retryAfter), encoding, retryAfter: refusal.retryAfter)
        }
        let body: ByteBuffer
        switch await readBody(request, limit: configuration.maxBodyBytes) {
        case .success(let b): body = b
        case .failure(.tooLarge):
            return status(.contentTooLarge, .resourceExhausted, "the request body is over \(configuration.maxBodyBytes) bytes; export smaller batches", encoding)
        case .failure(.unsupportedEncoding(let e)):
            return status(.unsupportedMediaType, .invalidArgument, "Content-Encoding \(e) is not supported; send gzip or identity", encoding)
        case .failure(.badGzip(let why)):
            return status(.badRequest, .invalidArgument, "the gzip body cannot be decoded: \(why)", encoding)
        }

        let mapper = OTLPMapper(
            defaultProjectId: principal.defaultProject ?? configuration.otlpDefaultProjectId,
            maximumEventBytes: configuration.maxEventBytes)
        let bytes = Array(buffer: body)
        let outcomes: [OTLPMapper.Outcome]
        do {
            switch signal {
            case .logs: outcomes = mapper.events(from: try OTLPDecoder.logs(bytes, encoding))
            case .metrics: outcomes = mapper.events(from: try OTLPDecoder.metrics(bytes, encoding))
            }
        } catch {
            return status(.badRequest, .invalidArgument, error.description, encoding)
        }
        limiter.charge(client, events: outcomes.count, limit: principal.rateLimit)
        guard outcomes.count <= configuration.maxEventsPerRequest else {
            return status(.contentTooLarge, .resourceExhausted,
                          "a request may carry at most \(configuration.maxEventsPerRequest) records; export smaller batches", encoding)
        }

        var rows = CopyBinaryEncoder(reservingCapacity: bytes.count * 2)
        var reasons: [String] = []
        var projectOfRow: [Int32] = []
        var tally = EventTally()
        defer { tally.record() }
        for outcome in outcomes {
            switch outcome {
            case .success(var event) where principal.allows(project: event.projectId):
                tally.receive(project: event.projectId)
                configuration.redactor.redact(&event, counts: &tally.redacted)
                rows.append(event)
                projectOfRow.append(event.projectId)
            case .success(let event):
                tally.receive(project: event.projectId)
                tally.reject(project: event.projectId, .forbiddenProject)
                reasons.append("\(OTLPMapper.projectAttribute): this API key may not write events of project \(event.projectId)")
            case .failure(let rejection):
                tally.receive(project: nil)
                tally.reject(project: nil, .invalid)
                reasons.append(rejection.description)
            }
        }

        do {
            for refusal in try await pipeline.submit(rows) {
                tally.reject(project: projectOfRow[refusal.row], .refusedByDatabase)
                reasons.append(refusal.reason)
            }
        } catch {
            switch error {
            case .saturated(let s):
                EventTally.refusedRequest(.queueFull)
                return status(.tooManyRequests, .resourceExhausted, error.description, encoding, retryAfter: s)
            case .unavailable(let s, _):
                EventTally.refusedRequest(.unavailable)
                return status(.serviceUnavailable, .unavailable, error.description, encoding, retryAfter: s)
            case .shuttingDown:
                EventTally.refusedRequest(.shuttingDown)
                return status(.serviceUnavailable, .unavailable, error.description, encoding, retryAfter: 1)
            case .failed(let m):
                context.logger.error("OTLP ingest failed", metadata: ["error": "\(m)"])
                return status(.internalServerError, .internal, error.description, encoding)
            }
        }
        if !reasons.isEmpty {
            context.logger.notice("OTLP records rejected", metadata: ["count": "\(reasons.count)", "first": "\(reasons[0])"])
        }
        let answer: [UInt8] = switch signal {
        case .logs: OTLPResponse.logs(rejected: reasons.count, errorMessage: OTLPResponse.summary(reasons, noun: "log record"), encoding)
        case .metrics: OTLPResponse.metrics(rejected: reasons.count, errorMessage: OTLPResponse.summary(reasons, noun: "data point"), encoding)
        }
        return Response(status: .ok, headers: [.contentType: encoding.contentType], body: .init(byteBuffer: ByteBuffer(bytes: answer)))
    }

    private func status(
        _ http: HTTPResponse.Status, _ code: OTLPResponse.Code, _ message: String, _ encoding: OTLPEncoding, retryAfter: Int? = nil
    ) -> Response {
        var headers: HTTPFields = [.contentType: encoding.contentType]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: http, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: OTLPResponse.status(code, message, encoding))))
    }
}
