import Testing
@testable import SluiceServer

/// The bucket behind rate limits, without a clock: admitted while it holds a token, charged after
/// decoding, paid back at its rate.
@Suite struct TokenBucketTests {
    @Test func aBurstGoesThroughThenTheDebtIsPaidBackAtTheRate() throws {
        var b = TokenBucket(rate: 100, burst: 200, now: 0)
        #expect(b.admit(now: 0) == nil)
        b.charge(150, now: 0)
        #expect(b.admit(now: 0) == nil, "50 tokens left")
        b.charge(150, now: 0)
        // 100 in debt: one token needs 101 / 100 s, answered as 2 whole seconds.
        #expect(b.admit(now: 0)?.retryAfter == 2)
        #expect(b.admit(now: 0)?.hold == .seconds(1), "held at most a second")
        #expect(b.admit(now: 0.5)?.retryAfter == 1)
        #expect(b.admit(now: 1.01) == nil)
        #expect(!b.isFull(now: 1.01))
        #expect(b.isFull(now: 3.1))
        b.charge(1, now: 10)
        #expect(b.tokens == 199, "refilled to the burst, not beyond")

        var soon = TokenBucket(rate: 100, burst: 1, now: 0)
        soon.charge(1, now: 0)
        let hold = try #require(soon.admit(now: 0.005)?.hold)
        #expect(hold > .milliseconds(4) && hold < .milliseconds(6), "held until the token is due: \(hold)")
    }

    @Test func theLongRunRateIsTheRateWhateverTheRequestSize() {
        for size in [1, 10, 500] {
            var b = TokenBucket(rate: 1_000, burst: 1_000, now: 0)
            var admitted = 0
            var t = 0.0
            while t < 10 {
                if b.admit(now: t) == nil {
                    b.charge(size, now: t)
                    admitted += size
                }
                t += 0.001
            }
            // 10 s at 1,000 a second plus the burst, give or take one request.
            #expect(admitted >= 10_000 && admitted <= 11_000 + size, "size \(size): \(admitted)")
        }
    }
}
