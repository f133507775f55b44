import Foundation
import Hummingbird
import SluiceCore
import SluiceStore

/// devlog's hierarchy API, so that its collector works against Sluice unchanged:
/// `POST /api/projects/resolve`, `POST /api/machines`, `GET /api/machines/{machineId}`,
/// `POST /api/workspaces`, `GET /api/workspaces/{workspaceId}`, `GET /api/workspaces`.
struct HierarchyRoutes: Sendable {
    let pool: ReadDatabase
    let auth: Authenticator
    let maxBodyBytes = 1 << 20

    func register(on router: Router<SluiceRequestContext>) {
        router.post("/api/projects/resolve") { request, _ in
            try await authorized(request) { _ in
                struct Resolve: Decodable { var repoUrl: String }
                let body = try await decode(Resolve.self, request)
                guard !body.repoUrl.isEmpty else { return errorResponse(.badRequest, "repoUrl: missing") }
                return jsonResponse(encoding: try await pool.withConnection { conn throws(StoreError) in
                    try Hierarchy.resolveProject(repoUrl: body.repoUrl, on: conn)
                })
            }
        }
        router.post("/api/machines") { request, _ in
            try await authorized(request) { _ in
                let machine = try await decode(MachineRecord.self, request)
                guard !machine.machineId.isEmpty else { return errorResponse(.badRequest, "machineId: missing") }
                return jsonResponse(encoding: try await pool.withConnection { conn throws(StoreError) in
                    try Hierarchy.upsertMachine(machine, on: conn)
                })
            }
        }
        router.get("/api/machines/{machineId}") { request, context in
            try await authorized(request) { _ in
                let key = try context.parameters.require("machineId")
                guard let m = try await pool.withConnection({ conn throws(StoreError) in try Hierarchy.machine(key, on: conn) }) else {
                    return errorResponse(.notFound, "machine not found: \(key)")
                }
                return jsonResponse(encoding: m)
            }
        }
        router.post("/api/workspaces") { request, _ in
            try await authorized(request) { principal in
                let w = try await decode(WorkspaceRecord.self, request)
                guard !w.workspaceId.isEmpty else { return errorResponse(.badRequest, "workspaceId: missing") }
                guard principal.allows(project: w.projectId) else {
                    return errorResponse(.forbidden, "this API key may not write project \(w.projectId)")
                }
                do {
                    return jsonResponse(encoding: try await pool.withConnection { conn throws(StoreError) in try Hierarchy.upsertWorkspace(w, on: conn) })
                } catch {
                    if case StoreError.server(let state, let message, _)? = error as? StoreError, state == "23503" {
                        return errorResponse(.badRequest, "projectId or machineId does not exist: \(message)")
                    }
                    throw error
                }
            }
        }
        router.get("/api/workspaces/{workspaceId}") { request, context in
            try await authorized(request) { principal in
                let id = try context.parameters.require("workspaceId")
                guard let w = try await pool.withConnection({ conn throws(StoreError) in try Hierarchy.workspace(id, on: conn) }),
                      principal.allows(project: w.projectId)
                else { return errorResponse(.notFound, "workspace not found: \(id)") }
                return jsonResponse(encoding: w)
            }
        }
        router.get("/api/workspaces") { request, _ in
            try await authorized(request) { principal in
                let project: Int32? = if case .key(let k) = principal, !k.isAdmin { k.projectId } else { nil }
                return jsonResponse(encoding: try await pool.withConnection { conn throws(StoreError) in
                    try Hierarchy.workspaces(project: project, on: conn)
                })
            }
        }
    }

    private func authorized(_ request: Request, _ body: (Principal) async throws -> Response) async throws -> Response {
        let principal: Principal
        do { principal = try await auth.authenticate(request.headers[.authorization]) } catch { return authFailure(error) }
        do {
            return try await body(principal)
        } catch let error as StoreError {
            return error.isTransient
                ? errorResponse(.serviceUnavailable, error.description, retryAfter: 2)
                : errorResponse(.internalServerError, error.description)
        } catch let error as BadBody {
            return errorResponse(.badRequest, error.message)
        }
    }

    private struct BadBody: Error { var message: String }

    private func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw BadBody(message: "the body is not a valid \(T.self): \(error)")
        }
    }
}
