import Metrics
import Prometheus

/// The process's metrics backend: swift-metrics bootstrapped with swift-prometheus, once.
///
/// Every series the process records through swift-metrics is named here: ``help`` holds its help
/// text (swift-metrics has no place for it), and the factory's sanitizer renames the series that
/// Hummingbird's `MetricsMiddleware` records (`hb.requests`, …) to Prometheus names.
/// `MetricsEndpointTests` checks with promtool that no series goes without help.
enum ProcessMetrics {
    /// Every metric the process records. Created, and made swift-metrics' backend, on first use
    /// (``bootstrap()``); a process bootstraps swift-metrics at most once, however many servers it runs.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = sanitize
        factory.valueHistogramBuckets["sluice_ingest_batch_events"] = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Makes swift-metrics record into ``registry`` from now on (idempotent).
    static func bootstrap() { _ = registry }

    /// Prometheus names for what Hummingbird's `MetricsMiddleware` records; anything else keeps its
    /// name, with characters Prometheus does not allow replaced by `_`.
    static let renamed: [String: String] = [
        "hb.requests": "sluice_http_requests_total",
        "hb.request.errors": "sluice_http_request_errors_total",
        "http.server.request.duration": "sluice_http_request_duration_seconds",
        "http.server.active_requests": "sluice_http_active_requests",
    ]
    static let renamedLabels: [String: String] = [
        "http.route": "route",
        "http.request.method": "method",
        "http.response.status_code": "status",
        "error.type": "status",
    ]

    @Sendable static func sanitize(_ name: String, _ labels: [(String, String)]) -> (String, [(String, String)]) {
        (renamed[name] ?? legal(name), labels.map { (renamedLabels[$0.0] ?? legal($0.0), $0.1) })
    }

    private static func legal(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == ":" ? c : "_"
        }))
    }

    /// What each series that the process records through swift-metrics means.
    static let help: [String: String] = [
        "sluice_http_requests_total": "HTTP requests answered, by route, method and status.",
        "sluice_http_request_errors_total": "HTTP requests that ended in an error thrown by a handler, by route and status.",
        "sluice_http_request_duration_seconds": "Time from a request's arrival to the end of its response, by route, method and status.",
        "sluice_http_active_requests": "HTTP requests being answered now, by method.",
        "sluice_events_received_total": "Events received by the ingest routes (HTTP and OTLP), by project.",
        "sluice_events_rejected_total": "Events answered as rejected, by project, reason and (for invalid events) field.",
        "sluice_redactions_total": "Secrets replaced in events before they were stored, by rule (user rules by their name).",
        "sluice_events_stored_total": "Events stored (new to the log) by the ingest pipeline, by project.",
        "sluice_events_duplicates_total": "Events received again (retries, duplicates in a batch) and stored once, by project.",
        "sluice_ingest_queued_events": "Events accepted and not yet committed.",
        "sluice_ingest_queue_limit_events": "Events that may be queued before ingest answers 429.",
        "sluice_ingest_batch_events": "Events per COPY batch.",
        "sluice_ingest_commit_duration_seconds": "Time to store and commit one COPY batch.",
        "sluice_ingest_writer_busy_seconds_total": "Time the ingest writers spent storing batches, summed over writers.",
        "sluice_ingest_writers": "Ingest writer connections.",
        "sluice_ingest_batches_failed_total": "COPY batches that could not be stored (their requests were answered 503 or 500), by kind.",
        "sluice_ingest_rejected_requests_total": "Requests refused whole by ingest before storing anything, by status (429 queue full, 503 unavailable or shutting down).",
        "sluice_archive_parts_written_total": "Archive parts written by this process.",
        "sluice_archive_bytes_written_total": "Bytes of archive files (compressed) written by this process.",
        "sluice_archive_verify_failures_total": "Archive parts that failed verification in this process.",
        "sluice_read_replica_fallbacks_total": "Query API reads sent to the primary because the read replica (SLUICE_READ_DATABASE_URL) could not answer.",
        "sluice_retention_day_refusals_total": "Days retention kept although they were due, by reason, in this process's runs.",
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
}
