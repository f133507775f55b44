/// Which windows of whole UTC days a step refreshes for its late days (TimescaleDB mode): each run
/// of consecutive days is one window, so that an import of a month of old transcripts costs one
/// refresh call per aggregate instead of thirty.
///
/// Runs are not merged across a gap: a refresh costs in proportion to its window, not to the rows
/// in it (measured on TimescaleDB 2.28.3, `agent_events_hourly` over a database of 2,800 events
/// in 1,739 chunks: 60 ms for one day, 400 ms for seven, 9 s for five months), so covering the
/// days between two late days would only add work. Late days never include a day whose raw rows
/// retention dropped (`sluice_pending_late_days`), so no window covers one. Pure.
public enum RefreshWindows {
    /// Windows (first day ... last day, as days since 1970-01-01) covering exactly `days`.
    public static func plan(days: [Int]) -> [ClosedRange<Int>] {
        var windows: [ClosedRange<Int>] = []
        for day in Set(days).sorted() {
            if let last = windows.last, last.upperBound + 1 == day {
                windows[windows.count - 1] = last.lowerBound...day
            } else {
                windows.append(day...day)
            }
        }
        return windows
    }
}
