/// When a part of the projector steps next, from how its last step went and how busy ingest was
/// meanwhile. Pure: `serve` sleeps what ``pause(after:took:backlog:)`` returns.
///
/// - A step starts every ``interval`` (the time a step took counts toward it), every two
///   intervals while steps find nothing new (an idle step still plans a query over every partition).
/// - Ingest comes first: after a step during which ingest was short of writers (a batch waited for
///   one during more than ``busyShare`` of the step), the part pauses as long as its step took, so
///   that the parts together leave most of the machine to ingest through a burst.
/// - Otherwise a part that stopped short of what is final (a backlog after downtime or a burst)
///   steps again at once.
/// - A step that failed is retried after a whole interval.
///
/// A part does not pause merely because a step took long: at a steady rate such a pause only adds
/// to the lag of every event committed meanwhile.
public struct StepPacing: Sendable, Equatable {
    /// How often a part steps while there is something to fold.
    public var interval: Duration
    /// The share of a step's time during which a batch waited for a writer above which ingest counts as busy.
    public var busyShare: Double

    public init(interval: Duration, busyShare: Double = 0.25) {
        self.interval = interval
        self.busyShare = busyShare
    }

    /// The pause before the next step. `step`: what the last one did (nil: it failed); `took`: how
    /// long it took; `backlog`: how long a batch waited for a writer while it ran.
    public func pause(after step: Projector.Step?, took: Duration, backlog: Duration) -> Duration {
        guard let step else { return interval }
        guard step.ran else { return rest(interval, took) }
        if step.events > 0 && backlog > took * busyShare { return took }
        if !step.caughtUp { return .zero }
        return rest(step.events == 0 ? interval * 2 : interval, took)
    }

    private func rest(_ period: Duration, _ took: Duration) -> Duration {
        took < period ? period - took : .zero
    }
}
