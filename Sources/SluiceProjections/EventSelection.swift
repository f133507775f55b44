import SluiceStore

/// An event of the log by its key, (`id`, `timestamp`), as PostgreSQL prints them (UTC), with the
/// transaction that stored it.
public struct LoggedEventKey: Sendable, Hashable {
    public var id: String
    public var timestamp: String
    public var ingestXid: String
}

/// Which events of a range a fold reads: all of them, or only those with the given keys (the
/// `only_ids` / `only_times` arguments of `sluice_fold_events`, SQL/functions/sluice_fold_events.sql).
struct EventSelection: Sendable {
    /// nil: every event of the range.
    var keys: [LoggedEventKey]?

    static let all = EventSelection(keys: nil)

    static func only(_ keys: some Collection<LoggedEventKey>) -> EventSelection { EventSelection(keys: Array(keys)) }

    /// The two array parameters, or two NULLs.
    var parameters: [String?] {
        guard let keys else { return [nil, nil] }
        return [PostgresArray.literal(keys.map(\.id)), PostgresArray.literal(keys.map(\.timestamp))]
    }
}
