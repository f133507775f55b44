import Hummingbird
import NIOCore
import Prometheus
import SluiceArchive
import SluiceProjections
import SluiceStore

/// `GET /metrics`: the Prometheus text format. Read like the rest of the read API: any valid key,
/// or nothing when the server runs open on loopback.
///
/// Two kinds of series: what the process counts through swift-metrics (``ProcessMetrics``), and
/// what is read at scrape time (``ScrapeSeries``): the projector parts, archive and retention from
/// the database, so that they describe this database whichever process did the work, and the
/// connection pools of this process.
struct MetricsRoutes: Sendable {
    let pool: ConnectionPool
    let pools: [(name: String, pool: ConnectionPool)]
    let auth: Authenticator
    let mode: DatabaseMode
    /// Known when `serve` runs the archive schedule: then the series say how many days archive and
    /// retention are behind.
    let archive: ArchiveConfiguration?

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/metrics") { request, _ in
            do throws(Authenticator.Failure) { _ = try await auth.authenticate(ConsoleCookie.readAuthorization(request)) } catch { return authFailure(error) }
            var text = Array(ProcessMetrics.withHelp(ProcessMetrics.registry.emitToString()).utf8)
            var series = ScrapeSeries(mode: mode)
            for (name, pool) in pools { series.pools.append((name, await pool.usage())) }
            let archive = self.archive
            do throws(StoreError) {
                let (parts, database, status) = try await pool.withConnection { conn throws(StoreError) in
                    (try PartStatus.all(on: conn), try ScrapeSeries.Database.read(on: conn),
                     try ArchiveStatus.read(configuration: archive, on: conn))
                }
                series.parts = parts
                series.database = database
                series.archive = status
            } catch {
                series.parts = nil
            }
            text += Array(series.exposition().utf8)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }
}
