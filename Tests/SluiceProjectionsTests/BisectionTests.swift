import Testing
import SluiceTestSupport
@testable import SluiceProjections

/// ``Bisection`` finds exactly the elements that fail, and does every other one once, in order.
@Suite struct BisectionTests {
    /// Runs a bisection of `count` elements where a slice fails when it holds one of `bad`.
    static func run(count: Int, bad: Set<Int>) -> (failures: [Int], done: [Int], tries: Int) {
        var b = Bisection(count: count)
        var done: [Int] = []
        var tries = 0
        while let slice = b.next {
            tries += 1
            if slice.contains(where: bad.contains) { b.failed() } else { done += slice; b.succeeded() }
        }
        return (b.failures, done, tries)
    }

    @Test func findsExactlyTheFailingElements() {
        var rng = SeededGenerator(seed: 20261202)
        for _ in 0..<200 {
            let count = Int.random(in: 0...300, using: &rng)
            let bad = Set((0..<Int.random(in: 0...4, using: &rng)).compactMap { _ in count > 0 ? Int.random(in: 0..<count, using: &rng) : nil })
            let r = Self.run(count: count, bad: bad)
            #expect(r.failures == bad.sorted(), "count \(count), bad \(bad.sorted())")
            #expect(r.done == (0..<count).filter { !bad.contains($0) }, "every other element once, in order")
        }
    }

    @Test func costsAboutTwoTriesPerHalvingForEachFailure() {
        let r = Self.run(count: 50_000, bad: [31_337])
        #expect(r.failures == [31_337])
        // One failing slice per level (17 levels) and its sibling that succeeds.
        #expect(r.tries <= 2 * 17 + 1)
        #expect(Self.run(count: 10, bad: []).tries == 1)
    }

    @Test func aWholeRangeKnownToFailStartsWithItsHalves() {
        var b = Bisection(count: 1, knownToFail: true)
        #expect(b.next == nil)
        #expect(b.failures == [0])
        b = Bisection(count: 4, knownToFail: true)
        #expect(b.next == 0..<2)
    }
}
