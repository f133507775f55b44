/// Adds up the time during which ingest had a sealed batch waiting for a writer: every writer
/// was busy and more was ready to write. Read before and after some work (a projector step), it
/// tells whether ingest was short of writers meanwhile. Pure bookkeeping; no I/O.
public struct BacklogClock: Sendable, Equatable {
    private var total: Duration = .zero
    private var since: ContinuousClock.Instant?

    public init() {}

    /// Records whether a batch is waiting for a writer as of `now`.
    public mutating func update(waiting: Bool, at now: ContinuousClock.Instant) {
        switch (since, waiting) {
        case (nil, true):
            since = now
        case (let start?, false):
            total += now - start
            since = nil
        default:
            break
        }
    }

    /// The time batches spent waiting up to `now`, in all (the current wait counts up to `now`).
    public func elapsed(at now: ContinuousClock.Instant) -> Duration {
        guard let since, now > since else { return total }
        return total + (now - since)
    }
}
