import Foundation

/// xoshiro256** seeded through SplitMix64: the same seed gives the same workload on every run.
///
/// Every helper derives its values from ``next()`` by its own fixed arithmetic (no standard-library
/// sampling algorithms), so the output cannot change with the toolchain.
struct SeededRandom {
    private var s0, s1, s2, s3: UInt64

    init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        (s0, s1, s2, s3) = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in `range` (multiply-shift; its bias of at most 2⁻⁶⁴·span does not matter here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next().multipliedFullWidth(by: span).high)
    }

    mutating func int64(_ range: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int64(next().multipliedFullWidth(by: span).high)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// Log-uniform in `range`: token counts and durations span orders of magnitude.
    mutating func logUniform(_ range: ClosedRange<Int>) -> Int {
        let lo = log(Double(range.lowerBound)), hi = log(Double(range.upperBound))
        return min(range.upperBound, max(range.lowerBound, Int(exp(lo + unit() * (hi - lo)))))
    }

    /// Picks an index by weight.
    mutating func weighted(_ weights: [Int]) -> Int {
        var r = int(0...(weights.reduce(0, +) - 1))
        for (i, w) in weights.enumerated() {
            if r < w { return i }
            r -= w
        }
        return weights.count - 1
    }

    /// A random (version 4) UUID.
    mutating func uuidV4() -> UUID {
        uuid(high: next(), low: next(), version: 0x40)
    }

    /// A time-ordered (version 7) UUID for the given Unix milliseconds, as agents mint event ids.
    mutating func uuidV7(unixMilliseconds ms: Int64) -> UUID {
        uuid(high: UInt64(ms) << 16 | next() >> 48, low: next(), version: 0x70)
    }

    private func uuid(high: UInt64, low: UInt64, version: UInt8) -> UUID {
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { p in
            for k in 0..<8 {
                p[k] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * k))
                p[8 + k] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * k))
            }
            p[6] = version | (p[6] & 0x0F)
            p[8] = 0x80 | (p[8] & 0x3F)
        }
        return UUID(uuid: raw)
    }
}
