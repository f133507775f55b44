/// Why one event of a batch was not stored. The rest of the batch is unaffected.
public struct EventRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The top-level field at fault (`timestamp`, `data`, …), or nil for the event as a whole.
    public var field: String?
    public var reason: String

    public init(field: String?, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String {
        if let field { return "\(field): \(reason)" }
        return reason
    }
}
