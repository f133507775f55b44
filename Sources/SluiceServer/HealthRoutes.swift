import Hummingbird
import SluiceStore

/// `GET /healthz` (the process is up), `GET /readyz` (the database answers and its schema is
/// current) and devlog's `GET /api/health`.
struct HealthRoutes: Sendable {
    let pool: ConnectionPool
    let expectedMigrations: [String]

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/healthz") { _, _ in jsonResponse(bytes: Array("{\"status\":\"ok\"}".utf8)) }
        router.get("/readyz") { _, _ in await readiness() }
        router.get("/api/health") { _, _ in await readiness() }
    }

    func readiness() async -> Response {
        let expected = Set(expectedMigrations)
        do {
            let applied = try await pool.withConnection { conn throws(StoreError) in
                Set(try conn.execute("SELECT name FROM sluice_migrations").rows.compactMap { $0[0] })
            }
            let missing = expected.subtracting(applied)
            guard missing.isEmpty else {
                return errorResponse(.serviceUnavailable, "migrations not applied: \(missing.sorted().joined(separator: ", ")); run `sluice migrate`", retryAfter: 5)
            }
            return jsonResponse(bytes: Array("{\"status\":\"ok\",\"database\":\"ok\"}".utf8))
        } catch {
            return errorResponse(.serviceUnavailable, error.description, retryAfter: 2)
        }
    }
}
