/// Why a benchmark could not run or its results do not hold.
public struct BenchError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
