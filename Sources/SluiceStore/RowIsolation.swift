/// Finds, by bisection, the rows of a batch that the database refuses on their own, so that every
/// other row of the batch can still be stored.
///
/// Pure bookkeeping, no I/O: the writer asks for the next range of rows to try, tries it in its own
/// transaction, and reports whether it was stored or refused. A refused range of several rows is
/// split in two, and each half is tried; a refused single row is the culprit. With `k` bad rows
/// among `n`, it takes about `2·k·log2(n)` tries.
public struct RowIsolation: Sendable, Equatable {
    /// A row the database refused, and why.
    public struct Refused: Sendable, Equatable {
        public var row: Int
        public var reason: String
    }

    /// Ranges still to try; the last one is next, so that rows are stored in order.
    private var stack: [Range<Int>]
    private var current: Range<Int>?
    public private(set) var refused: [Refused] = []

    /// Starts from a batch of `rowCount` rows that was refused as a whole, for `reason`.
    public init(refusedBatchOf rowCount: Int, reason: String) {
        stack = []
        current = nil
        split(0..<rowCount, reason: reason)
    }

    /// The next rows to try, or nil when every row is either stored or refused.
    public mutating func next() -> Range<Int>? {
        precondition(current == nil, "report the outcome of the previous range first")
        current = stack.popLast()
        return current
    }

    /// The rows last returned by ``next()`` were stored.
    public mutating func stored() {
        precondition(current != nil, "no range is being tried")
        current = nil
    }

    /// The rows last returned by ``next()`` were refused, for `reason`.
    public mutating func refused(_ reason: String) {
        guard let range = current else { preconditionFailure("no range is being tried") }
        current = nil
        split(range, reason: reason)
    }

    private mutating func split(_ range: Range<Int>, reason: String) {
        if range.count == 1 {
            refused.append(Refused(row: range.lowerBound, reason: reason))
        } else if range.count > 1 {
            let middle = range.lowerBound + range.count / 2
            stack.append(middle..<range.upperBound)
            stack.append(range.lowerBound..<middle)
        }
    }
}
