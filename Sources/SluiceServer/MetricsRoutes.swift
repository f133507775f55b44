import Hummingbird
import Metrics
import NIOCore
import Prometheus
import SluiceCore
import SluiceProjections
import SluiceStore

/// `GET /metrics`: the Prometheus text format. Read like the rest of the read API: any valid key,
/// or nothing when the server runs open on loopback.
///
/// Two kinds of series: what the process counts through swift-metrics (ingest events, duplicates,
/// refused rows, batch durations, queue depth), from ``ProcessMetrics/registry``; and the
/// projector's state, read from the database at scrape time (the same query as `GET /v1/status`),
/// so that it describes this database whichever process stepped the parts.
struct MetricsRoutes: Sendable {
    let pool: ConnectionPool
    let auth: Authenticator
    let mode: DatabaseMode

    func register(on router: Router<BasicRequestContext>) {
        router.get("/metrics") { request, _ in
            do throws(Authenticator.Failure) { _ = try await auth.authenticate(request.headers[.authorization]) } catch { return authFailure(error) }
            var text = Array(ProcessMetrics.withHelp(ProcessMetrics.registry.emitToString()).utf8)
            let parts: [PartStatus]?
            do throws(StoreError) {
                parts = try await pool.withConnection { conn throws(StoreError) in try PartStatus.all(on: conn) }
            } catch {
                parts = nil
            }
            text += Array(ProcessMetrics.exposition(parts: parts, mode: mode).utf8)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }
}

/// The process's metrics backend: swift-metrics bootstrapped with swift-prometheus, once.
enum ProcessMetrics {
    /// Every metric the process records. Created, and made swift-metrics' backend, on first use
    /// (``bootstrap()``); a process bootstraps swift-metrics at most once, however many servers it runs.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Makes swift-metrics record into ``registry`` from now on (idempotent).
    static func bootstrap() { _ = registry }

    /// What each series that the process records through swift-metrics means. swift-metrics has no
    /// place for help text, so it is added to the exposition here; `MetricsEndpointTests` checks
    /// with promtool that no series goes without.
    static let help: [String: String] = [
        "sluice_ingest_events_total": "Events stored (new to the log) by the ingest pipeline.",
        "sluice_ingest_duplicates_total": "Events received again (retries, duplicates in a batch) and stored once.",
        "sluice_ingest_refused_rows_total": "Events that passed validation but the database refused; each was answered as rejected.",
        "sluice_ingest_queued_events": "Events accepted and not yet committed.",
        "sluice_ingest_batch_duration": "Time to store one COPY batch, in seconds.",
    ]

    /// `exposition` with a `# HELP` line before each `# TYPE` line of a series in ``help``.
    static func withHelp(_ exposition: String) -> String {
        var out = ""
        out.reserveCapacity(exposition.utf8.count + 1024)
        for line in exposition.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst(7).split(separator: " ").first, let text = help[String(name)] {
                out += "# HELP \(name) \(text)\n"
            }
            out += line
            out += "\n"
        }
        if out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    /// The series read at scrape time, in the text format: each projector part's state, whether
    /// the database answered, and the build.
    static func exposition(parts: [PartStatus]?, mode: DatabaseMode) -> String {
        var out = ""
        func family(_ name: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for (labels, value) in samples { out += "\(name)\(labels) \(format(value))\n" }
        }
        func perPart(_ value: (PartStatus) -> Double?) -> [(String, Double)] {
            (parts ?? []).compactMap { p in value(p).map { ("{part=\"\(p.part)\"}", $0) } }
        }
        family("sluice_up", "1 when the database answered this scrape, 0 when it did not.", [("", parts == nil ? 0 : 1)])
        family("sluice_projector_lag_seconds", "Seconds since the part was last caught up while events are behind it; 0 when none is.",
               perPart { $0.lagSeconds })
        family("sluice_projector_events_behind", "Events stored at or above the part's position, not folded yet (counted up to \(PartStatus.eventsBehindLimit)).",
               perPart { Double($0.eventsBehind) })
        family("sluice_projector_step_seconds", "Duration of the part's last step.", perPart { $0.stepSeconds })
        family("sluice_projector_failures", "Steps of the part that failed since its last successful one.", perPart { Double($0.failures) })
        family("sluice_projector_dead_letters", "Events the part set aside because its fold could not take them (sluice projections failures).",
               perPart { Double($0.deadLetters) })
        family("sluice_projector_late_refreshes_pending", "TimescaleDB mode: UTC days of late events whose continuous aggregates are not refreshed yet.",
               perPart { $0.part == Projector.Part.aggregates.rawValue ? Double($0.refreshDaysPending) : nil })
        family("sluice_build_info", "The Sluice version and database mode of this process.",
               [("{version=\"\(sluiceVersion)\",mode=\"\(mode.rawValue)\"}", 1)])
        return out
    }

    private static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
