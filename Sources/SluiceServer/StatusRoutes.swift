import Hummingbird
import SluiceProjections
import SluiceStore

/// `GET /v1/status`: how the pipeline is doing: each part of the projector (position, events
/// behind, lag, last step, failures, dead letters). Any valid key may read it. `status` is
/// `degraded` while a part has dead letters or its last steps failed; `/readyz` stays ready then,
/// since ingest and reads still work.
struct StatusRoutes: Sendable {
    let pool: ConnectionPool
    let auth: Authenticator
    let mode: DatabaseMode

    struct Body: Encodable {
        var status: String
        var mode: String
        var projector: Projector
        struct Projector: Encodable { var parts: [PartStatus] }
    }

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/v1/status") { request, _ in
            do throws(Authenticator.Failure) { _ = try await auth.authenticate(request.headers[.authorization]) } catch { return authFailure(error) }
            do throws(StoreError) {
                let parts = try await pool.withConnection { conn throws(StoreError) in try PartStatus.all(on: conn) }
                let degraded = parts.contains { $0.deadLetters > 0 || $0.failures > 0 }
                return jsonResponse(encoding: Body(status: degraded ? "degraded" : "ok", mode: mode.rawValue, projector: .init(parts: parts)))
            } catch {
                return error.isTransient ? errorResponse(.serviceUnavailable, error.description, retryAfter: 2)
                                         : errorResponse(.internalServerError, error.description)
            }
        }
    }
}
