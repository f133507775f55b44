import Foundation
import Hummingbird
import SluiceArchive
import SluiceProjections
import SluiceStore

/// `GET /v1/status`: how the pipeline is doing: ingest (how long batches waited for a writer),
/// each part of the projector (position, events behind, lag, last step, failures, dead letters),
/// and archive and retention (catalog, last runs, days behind when `serve` runs the schedule).
/// Any valid key may read it. `status` is `degraded` while a part has dead letters or its last
/// steps failed; `/readyz` stays ready then, since ingest and reads still work.
struct StatusRoutes: Sendable {
    let pool: ConnectionPool
    let auth: Authenticator
    let mode: DatabaseMode
    /// Known when `serve` runs the archive schedule (then the days behind are reported).
    var archive: ArchiveConfiguration?
    /// The ingest pipeline's writer backlog (``IngestPipeline/backlog()``).
    var backlog: @Sendable () -> Duration = { .zero }

    struct Body: Encodable {
        var status: String
        var mode: String
        var ingest: Ingest
        var projector: Projector
        var archive: Archive
        struct Ingest: Encodable { var writerWaitSeconds: Double }
        struct Projector: Encodable { var parts: [PartStatus] }
        struct Archive: Encodable {
            var scheduled: Bool
            var parts: Int
            var bytes: Int64
            var lastPartAt: String?
            var lastRetentionRunAt: String?
            var daysDropped: Int
            var archiveDaysBehind: Int?
            var retentionDaysBehind: Int?
        }
    }

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/v1/status") { request, _ in
            do throws(Authenticator.Failure) { _ = try await auth.authenticate(ConsoleCookie.readAuthorization(request)) } catch { return authFailure(error) }
            let configuration = archive
            do throws(StoreError) {
                let (parts, archived) = try await pool.withConnection { conn throws(StoreError) in
                    (try PartStatus.all(on: conn), try ArchiveStatus.read(configuration: configuration, on: conn))
                }
                let degraded = parts.contains { $0.deadLetters > 0 || $0.failures > 0 }
                let wait = backlog().components
                let iso = { (seconds: Double?) in seconds.map { Date(timeIntervalSince1970: $0).ISO8601Format() } }
                return jsonResponse(encoding: Body(
                    status: degraded ? "degraded" : "ok", mode: mode.rawValue,
                    ingest: .init(writerWaitSeconds: Double(wait.seconds) + Double(wait.attoseconds) / 1e18),
                    projector: .init(parts: parts),
                    archive: .init(scheduled: configuration != nil, parts: archived.parts, bytes: archived.bytes,
                                   lastPartAt: iso(archived.lastPartAt), lastRetentionRunAt: iso(archived.lastRetentionRunAt),
                                   daysDropped: archived.daysDropped, archiveDaysBehind: archived.archiveDaysBehind,
                                   retentionDaysBehind: archived.retentionDaysBehind)))
            } catch {
                return error.isTransient ? errorResponse(.serviceUnavailable, error.description, retryAfter: 2)
                                         : errorResponse(.internalServerError, error.description)
            }
        }
    }
}
