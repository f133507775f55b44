import Foundation

/// When a part of the projector steps next, from how its last step went and how busy ingest has
/// been. Pure: `serve` sleeps what ``pause(after:took:backlog:over:)`` returns.
///
/// - A step starts every ``interval`` (the time a step took counts toward it), every two
///   intervals while steps find nothing new (an idle step still queries every partition of the log).
/// - Ingest comes first: while ingest is short of writers, each part pauses as long as its step
///   took, so that the parts together leave most of the machine to ingest through a burst. Ingest
///   is short of writers while a batch has been waiting for one more than ``busyShare`` of the
///   time, smoothed over about ``window`` (``pressure``): a burst at full speed keeps batches
///   waiting, while at a steady rate one waits only now and then, when the machine is briefly
///   busy, and a pause then would only add to the lag of every event committed meanwhile. Such a
///   pause lasts at most ``longestYield`` intervals: a step of TimescaleDB mode that refreshed
///   hundreds of late days took 8 minutes, and pausing as long left the part 8 more minutes behind.
/// - Otherwise a part that stopped short of what is final (a backlog after downtime or a burst)
///   steps again at once.
/// - A step that failed is retried after a whole interval.
public struct StepPacing: Sendable, Equatable {
    /// How often a part steps while there is something to fold.
    public var interval: Duration
    /// The time over which ``pressure`` follows ingest (the time constant of its smoothing).
    public var window: Duration
    /// The ``pressure`` above which ingest counts as short of writers.
    public var busyShare: Double
    /// The longest pause that ingest pressure causes, in intervals.
    public static let longestYield = 10

    /// The share of recent time during which a batch waited for a writer, 0...1, smoothed over ``window``.
    public private(set) var pressure: Double = 0

    public init(interval: Duration, window: Duration = .seconds(3), busyShare: Double = 0.2) {
        self.interval = interval
        self.window = window
        self.busyShare = busyShare
    }

    /// The pause before the next step. `step`: what the last one did (nil: it failed); `took`: how
    /// long it took; `backlog`: how long a batch waited for a writer during `elapsed`, the time
    /// since the previous step ended (its pause and this step).
    public mutating func pause(after step: Projector.Step?, took: Duration, backlog: Duration, over elapsed: Duration) -> Duration {
        follow(backlog: backlog, over: elapsed)
        guard let step else { return interval }
        guard step.ran else { return rest(interval, took) }
        if step.events > 0 && pressure > busyShare { return min(took, interval * Self.longestYield) }
        if !step.caughtUp { return .zero }
        return rest(step.events == 0 ? interval * 2 : interval, took)
    }

    private mutating func follow(backlog: Duration, over elapsed: Duration) {
        let seconds = elapsed / .seconds(1)
        guard seconds > 0 else { return }
        let share = min(1, max(0, (backlog / .seconds(1)) / seconds))
        pressure += (1 - exp(-seconds / (window / .seconds(1)))) * (share - pressure)
    }

    private func rest(_ period: Duration, _ took: Duration) -> Duration {
        took < period ? period - took : .zero
    }
}
