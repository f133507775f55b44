import Testing
@testable import SluiceProjections

@Suite struct RefreshWindowsTests {
    @Test func eachRunOfConsecutiveDaysIsOneWindow() {
        #expect(RefreshWindows.plan(days: [5, 3, 4, 4, 9, 11, 12, -719_162]) == [-719_162 ... -719_162, 3...5, 9...9, 11...12])
        #expect(RefreshWindows.plan(days: []) == [])
    }

    @Test func dayNumbersRoundTripAcrossTheWholeRange() {
        for day in ["0001-01-01", "1969-12-31", "1970-01-01", "2026-12-03", "9999-12-31"] {
            let n = Projector.dayNumber(day)
            #expect(n.map(Projector.dayText) == day, "\(day)")
        }
        #expect(Projector.dayNumber("1970-01-02") == 1)
        #expect(Projector.dayNumber("not a day") == nil)
    }
}
