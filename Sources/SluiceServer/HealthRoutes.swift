import Hummingbird
import SluiceStore

/// `GET /healthz` (the process is up), `GET /readyz` (the database answers and its schema is
/// current) and devlog's `GET /api/health`.
struct HealthRoutes: Sendable {
    let pool: ConnectionPool
    /// What the database held when this server migrated it.
    let expected: SchemaExpectation

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/healthz") { _, _ in jsonResponse(bytes: Array("{\"status\":\"ok\"}".utf8)) }
        router.get("/readyz") { _, _ in await readiness() }
        router.get("/api/health") { _, _ in await readiness() }
    }

    /// Not ready (503) while a migration is missing or a definition is not this build's (another
    /// `sluice migrate` changed it, or it was never applied).
    func readiness() async -> Response {
        do {
            let recorded = try await pool.withConnection { conn throws(StoreError) in try RecordedSchema.read(on: conn) }
            if let advice = expected.pending(in: recorded).advice {
                return errorResponse(.serviceUnavailable, advice, retryAfter: 5)
            }
            return jsonResponse(bytes: Array("{\"status\":\"ok\",\"database\":\"ok\"}".utf8))
        } catch {
            return errorResponse(.serviceUnavailable, error.description, retryAfter: 2)
        }
    }
}
