import Foundation
import Hummingbird
import SluiceCore
import SluiceProjections
import SluiceStore

/// Read API over the projections: `GET /v1/sessions`, `/v1/sessions/{id}`,
/// `/v1/sessions/{id}/events`, `/v1/metrics/hourly`, `/v1/overview`, `/v1/tools`, `/v1/costs` and
/// `/v1/chat/search`. A project key reads only its project. The console's cookie is accepted in
/// place of the `Authorization` header (``ConsoleCookie``).
struct QueryRoutes: Sendable {
    let pool: ReadDatabase
    let auth: Authenticator

    func register(on router: Router<SluiceRequestContext>) {
        registerAggregates(on: router)
        registerSearch(on: router)
        router.get("/v1/sessions") { request, _ in
            try await read(request) { filter, q in
                let (limit, cursor) = try paging(q)
                switch q["order"] ?? "start" {
                case "start": break
                case "cost":
                    guard cursor == nil else { throw BadQuery("order=cost answers one page: cursor is not accepted with it") }
                    let json = try await pool.withConnection { conn throws(StoreError) in
                        try Queries.costliestSessions(filter, limit: limit, on: conn)
                    }
                    return pageResponse(Queries.Page(json: json, next: nil))
                default: throw BadQuery("order must be start or cost")
                }
                let page = try await pool.withConnection { conn throws(StoreError) in
                    try Queries.sessions(filter, limit: limit, cursor: cursor, on: conn)
                }
                return pageResponse(page)
            }
        }
        router.get("/v1/sessions/{id}") { request, context in
            try await read(request) { filter, _ in
                let id = try uuid(context.parameters.get("id"))
                guard let json = try await pool.withConnection({ conn throws(StoreError) in
                    try Queries.session(id, project: filter.project, on: conn)
                }) else { return errorResponse(.notFound, "session not found: \(id)") }
                return jsonResponse(bytes: Array(json.utf8))
            }
        }
        router.get("/v1/sessions/{id}/events") { request, context in
            try await read(request) { filter, q in
                let id = try uuid(context.parameters.get("id"))
                let (limit, cursor) = try paging(q)
                let page = try await pool.withConnection { conn throws(StoreError) in
                    try Queries.sessionEvents(id, project: filter.project, from: filter.from, limit: limit, cursor: cursor, on: conn)
                }
                return pageResponse(page)
            }
        }
        for resolution in [Queries.Resolution.hour, .day] {
            router.get("/v1/metrics/\(resolution == .hour ? "hourly" : "daily")") { request, _ in
                try await read(request) { filter, q in
                    let name = q["group_by"] ?? "none"
                    guard let grouping = Queries.Grouping(rawValue: name == "eventType" ? "event_type" : name) else {
                        throw BadQuery("group_by must be one of none, agent, event_type, project")
                    }
                    let json = try await pool.withConnection { conn throws(StoreError) in
                        try Queries.series(filter, groupBy: grouping, resolution: resolution, on: conn)
                    }
                    return jsonResponse(bytes: Array("{\"series\":\(json)}".utf8))
                }
            }
        }
    }

    func registerAggregates(on router: Router<SluiceRequestContext>) {
        router.get("/v1/overview") { request, _ in
            try await read(request) { filter, _ in
                let json = try await pool.withConnection { conn throws(StoreError) in try Queries.overview(filter, on: conn) }
                return jsonResponse(bytes: Array(json.utf8))
            }
        }
        router.get("/v1/tools") { request, _ in
            try await read(request) { filter, _ in
                let json = try await pool.withConnection { conn throws(StoreError) in try Queries.tools(filter, on: conn) }
                return jsonResponse(bytes: Array("{\"tools\":\(json)}".utf8))
            }
        }
        router.get("/v1/costs") { request, _ in
            try await read(request) { filter, q in
                guard let grouping = Queries.CostGrouping(rawValue: q["group_by"] ?? "model") else {
                    throw BadQuery("group_by must be one of model, project, agent, day")
                }
                let json = try await pool.withConnection { conn throws(StoreError) in try Queries.costs(filter, groupBy: grouping, on: conn) }
                return jsonResponse(bytes: Array("{\"costs\":\(json)}".utf8))
            }
        }
    }

    func registerSearch(on router: Router<SluiceRequestContext>) {
        router.get("/v1/chat/search") { request, _ in
            try await read(request) { filter, q in
                guard let text = q["q"], !text.isEmpty else { throw BadQuery("q is required") }
                let (limit, _) = try paging(q)
                let json = try await pool.withConnection { conn throws(StoreError) in try Queries.searchChat(text, filter, limit: limit, on: conn) }
                return jsonResponse(bytes: Array("{\"messages\":\(json)}".utf8))
            }
        }
    }

    /// Authenticates, builds the filter from the query string (restricted to the key's project),
    /// and maps failures to responses.
    private func read(_ request: Request, _ body: (Queries.Filter, QueryParameters) async throws -> Response) async throws -> Response {
        let principal: Principal
        do { principal = try await auth.authenticate(ConsoleCookie.readAuthorization(request)) } catch { return authFailure(error) }
        do {
            let q = try QueryParameters(request)
            var filter = Queries.Filter(agent: q["agent"], outcome: q["outcome"], from: try q.time("from"), to: try q.time("to"))
            if let p = q["project"] {
                guard let id = Int32(p), id > 0 else { throw BadQuery("project must be a positive integer id") }
                filter.project = id
            }
            if case .key(let key) = principal, !key.isAdmin, let own = key.projectId {
                if let asked = filter.project, asked != own { return errorResponse(.forbidden, "this API key reads only project \(own)") }
                filter.project = own
            }
            return try await body(filter, q)
        } catch let error as BadQuery {
            return errorResponse(.badRequest, error.message)
        } catch let error as StoreError {
            return error.isTransient ? errorResponse(.serviceUnavailable, error.description, retryAfter: 2)
                                     : errorResponse(.internalServerError, error.description)
        }
    }

    private func uuid(_ value: String?) throws -> String {
        guard let value, let id = UUID(uuidString: value) else { throw BadQuery("the session id must be a UUID") }
        return id.lowercased
    }

    private func paging(_ q: QueryParameters) throws -> (Int, String?) {
        let limit = Int(q["limit"] ?? "50") ?? -1
        guard (1...1000).contains(limit) else { throw BadQuery("limit must be between 1 and 1000") }
        return (limit, q["cursor"])
    }

    private func pageResponse(_ page: Queries.Page) -> Response {
        var body = "{\"items\":\(page.json),\"next\":"
        if let next = page.next { body += "\"\(next)\"" } else { body += "null" }
        return jsonResponse(bytes: Array((body + "}").utf8))
    }
}
