/// Finds the elements of a sequence that make an all-or-nothing operation fail, by trying halves:
/// a slice that succeeds is done; one that fails is split in two, down to single elements, which
/// are the failures. Pure: the caller runs each slice (``next``) and reports how it went.
///
/// Every element that succeeds is done exactly once, in order; each failing one costs at most two
/// failed slices per halving, about `2 log2(n)` tries.
public struct Bisection: Sendable, Equatable {
    /// Slices still to try, the next one last.
    private var pending: [Range<Int>]
    /// The indices found to fail on their own, in order.
    public private(set) var failures: [Int] = []

    /// Bisects `0..<count`. `knownToFail`: the whole range already failed, so start with its halves.
    public init(count: Int, knownToFail: Bool = false) {
        pending = count > 0 ? [0..<count] : []
        if knownToFail && count > 0 { splitLast() }
    }

    /// The slice to try next, or nil when every element is done or found to fail.
    public var next: Range<Int>? { pending.last }

    /// The slice ``next`` succeeded.
    public mutating func succeeded() {
        pending.removeLast()
    }

    /// The slice ``next`` failed: a single element is a failure, a longer slice is split.
    public mutating func failed() {
        splitLast()
    }

    private mutating func splitLast() {
        let r = pending.removeLast()
        if r.count == 1 {
            failures.append(r.lowerBound)
        } else {
            let middle = r.lowerBound + r.count / 2
            pending.append(middle..<r.upperBound)
            pending.append(r.lowerBound..<middle)
        }
    }
}
