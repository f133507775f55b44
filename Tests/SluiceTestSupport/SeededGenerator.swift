import Foundation

/// A small deterministic generator (SplitMix64): tests draw random data from it with a seed they
/// print on failure, so that a failure can be replayed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    /// The seed of a test's random data: `SLUICE_TEST_SEED` replays a failure, else a new one each
    /// run. It is printed, labelled with `test`; name it in the test's expectations too
    /// (`"seed \(seed)"`) so that a failure says how to replay it.
    public static func testSeed(_ test: String = #function) -> UInt64 {
        let seed = ProcessInfo.processInfo.environment["SLUICE_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        print("\(test): seed \(seed) (SLUICE_TEST_SEED=\(seed) replays it)")
        return seed
    }
}

extension SeededGenerator {
    /// A random (version 4) UUID drawn from this generator.
    public mutating func uuid() -> UUID {
        let (high, low) = (next(), next())
        var bytes = [UInt8](repeating: 0, count: 16)
        for k in 0..<8 {
            bytes[k] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * k))
            bytes[8 + k] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * k))
        }
        bytes[6] = 0x40 | (bytes[6] & 0x0F)
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
