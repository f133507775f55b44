import Metrics
import Synchronization

/// The counters of one metric, one per set of label values, each created through the metrics
/// factory once (creating one takes the factory's lock) and kept. The label values must come from
/// a closed set: every set seen is kept for the life of this object.
public final class LabelledCounters: Sendable {
    public let label: String
    public let dimensions: [String]
    private let counters = Mutex<[[String]: Counter]>([:])

    public init(_ label: String, dimensions: [String]) {
        self.label = label
        self.dimensions = dimensions
    }

    /// Adds `amount` to the counter of `values`, one per dimension, in order.
    public func increment(_ values: [String], by amount: Int = 1) {
        precondition(values.count == dimensions.count, "\(label) takes \(dimensions.count) label values")
        counter(values).increment(by: amount)
    }

    private func counter(_ values: [String]) -> Counter {
        counters.withLock { counters in
            if let known = counters[values] { return known }
            let made = Counter(label: label, dimensions: Array(zip(dimensions, values)))
            counters[values] = made
            return made
        }
    }
}
