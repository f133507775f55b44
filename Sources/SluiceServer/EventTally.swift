import SluiceCore
import SluiceIngest

/// What one ingest request did with its events, counted by project and outcome, then recorded in
/// `sluice_events_received_total`, `sluice_events_rejected_total` and `sluice_redactions_total` once per request (a handful
/// of counter updates, not one per event).
///
/// Label values come from closed sets, whatever a client sends: the project id (or `unknown` for
/// an event that did not decode far enough), a ``Reason``, and for invalid events the top-level
/// field named by the rejection if it is one of the event's fields, `event` otherwise.
struct EventTally: Sendable, Equatable {
    /// Why an event was answered as rejected.
    enum Reason: String, Sendable {
        /// The event failed validation.
        case invalid
        /// The API key may not write the event's project.
        case forbiddenProject = "forbidden_project"
        /// It passed validation, but the database refused the row.
        case refusedByDatabase = "refused_by_database"
    }

    struct Rejection: Hashable, Sendable {
        var project: String
        var reason: Reason
        var field: String
    }

    private(set) var received: [String: Int] = [:]
    private(set) var rejected: [Rejection: Int] = [:]
    /// Secrets replaced, by rule (``Redactor``).
    var redacted: [String: Int] = [:]

    mutating func receive(project: Int32?) {
        received[Self.label(project), default: 0] += 1
    }

    mutating func reject(project: Int32?, _ reason: Reason, field: String? = nil) {
        let field = reason == .invalid ? Self.field(field) : ""
        rejected[Rejection(project: Self.label(project), reason: reason, field: field), default: 0] += 1
    }

    /// The counters, each created once per label set. Only a running server records (after
    /// ``ProcessMetrics/bootstrap()``), so they are made by its metrics backend.
    private static let receivedCounters = LabelledCounters("sluice_events_received_total", dimensions: ["project"])
    private static let rejectedCounters = LabelledCounters("sluice_events_rejected_total", dimensions: ["project", "reason", "field"])
    private static let redactionCounters = LabelledCounters("sluice_redactions_total", dimensions: ["rule"])
    private static let refusedCounters = LabelledCounters("sluice_ingest_rejected_requests_total", dimensions: ["status", "reason"])

    /// Adds the counts to the process's metrics.
    func record() {
        for (project, n) in received {
            Self.receivedCounters.increment([project], by: n)
        }
        for (key, n) in rejected {
            Self.rejectedCounters.increment([key.project, key.reason.rawValue, key.field], by: n)
        }
        for (rule, n) in redacted {
            Self.redactionCounters.increment([rule], by: n)
        }
    }

    /// Why a whole request was refused before anything of it was stored.
    enum Refusal: String, Sendable {
        /// Over its client's rate (429).
        case rateLimited = "rate_limited"
        /// The ingest queue is full (429).
        case queueFull = "queue_full"
        /// The database is unavailable (503).
        case unavailable
        /// The server is shutting down (503).
        case shuttingDown = "shutting_down"

        var status: Int { self == .rateLimited || self == .queueFull ? 429 : 503 }
    }

    /// A request refused whole, in `sluice_ingest_rejected_requests_total{status,reason}`.
    static func refusedRequest(_ refusal: Refusal) {
        refusedCounters.increment([String(refusal.status), refusal.rawValue])
    }

    static func label(_ project: Int32?) -> String { project.map { String($0) } ?? "unknown" }

    /// The top-level field of a rejection's path (`data.x.y` → `data`, `tags[3]` → `tags`), if it
    /// is one of ``EventDecoder/fieldNames``; `event` otherwise.
    static func field(_ path: String?) -> String {
        guard let path else { return "event" }
        let top = String(path.prefix { $0 != "." && $0 != "[" })
        return EventDecoder.fieldNames.contains(top) ? top : "event"
    }
}
