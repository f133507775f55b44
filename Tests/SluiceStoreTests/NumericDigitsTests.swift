import Testing
import SluiceCore
@testable import SluiceStore

/// The base-10000 digits of PostgreSQL's binary numeric (what `numeric_send` writes).
@Suite struct NumericDigitsTests {
    static func digits(_ significand: Int64, _ scale: Int16) -> ([Int16], Int16) {
        let n = NumericDigits(ExactDecimal(significand: significand, scale: scale))
        return (n.digits, n.weight)
    }

    @Test func groupsDigitsAroundTheDecimalPoint() {
        #expect(Self.digits(0, 3) == ([], 0))
        #expect(Self.digits(12345, 2) == ([123, 4500], 0))  // 123.45
        #expect(Self.digits(12, 4) == ([12], -1))  // 0.0012
        #expect(Self.digits(1, 5) == ([1000], -2))  // 0.00001
        #expect(Self.digits(10000, 0) == ([1], 1))
        #expect(Self.digits(-1_0000_0000_0001, 0) == ([1, 0, 0, 1], 3))
        #expect(Self.digits(120, 1) == ([12], 0))  // 12.0: the trailing zero digit is dropped, dscale keeps it
    }

    @Test func eighteenDigitsWithThePointAnywhereDoNotOverflow() {
        #expect(Self.digits(999_999_999_999_999_999, 3) == ([999, 9999, 9999, 9999, 9990], 3))
        #expect(Self.digits(999_999_999_999_999_999, 17) == ([9, 9999, 9999, 9999, 9999, 9000], 0))
    }
}
