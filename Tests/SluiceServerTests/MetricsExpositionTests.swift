import Foundation
import SluiceArchive
import SluiceProcess
import SluiceProjections
import SluiceStore
import SluiceTestSupport
import Testing
@testable import SluiceServer

/// The pure parts of `GET /metrics`: label values stay in closed sets whatever clients send, and
/// the series read at scrape time are written as the text format says.
@Suite struct MetricsExpositionTests {
    @Test func rejectionLabelsComeFromClosedSets() {
        #expect(EventTally.field("data.x.y") == "data")
        #expect(EventTally.field("tags[3]") == "tags")
        #expect(EventTally.field("timestamp") == "timestamp")
        #expect(EventTally.field("anything-a-client-sends") == "event")
        #expect(EventTally.field("anything.data") == "event")
        #expect(EventTally.field(nil) == "event")

        var tally = EventTally()
        tally.receive(project: 7)
        tally.receive(project: 7)
        tally.receive(project: nil)
        tally.reject(project: nil, .invalid, field: "data.n")
        tally.reject(project: 7, .refusedByDatabase, field: "ignored")
        #expect(tally.received == ["7": 2, "unknown": 1])
        #expect(tally.rejected == [
            EventTally.Rejection(project: "unknown", reason: .invalid, field: "data"): 1,
            EventTally.Rejection(project: "7", reason: .refusedByDatabase, field: ""): 1,
        ])
    }

    static func samples(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            out[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        return out
    }

    @Test func aScrapeWithoutTheDatabaseSaysSoAndStillDescribesTheProcess() {
        var series = ScrapeSeries(mode: .plain)
        series.pools = [("write", .init(size: 2, inUse: 1, waiting: 3))]
        let text = series.exposition()
        let s = Self.samples(text)
        #expect(s["sluice_up"] == "0")
        #expect(!s.keys.contains { $0.hasPrefix("sluice_projector_") })
        #expect(!s.keys.contains { $0.hasPrefix("sluice_archive_") })
        #expect(s["sluice_db_pool_in_use{pool=\"write\"}"] == "1")
        #expect(s["sluice_db_pool_waiting{pool=\"write\"}"] == "3")
        #expect(s.keys.contains { $0.hasPrefix("sluice_build_info{version=") && $0.hasSuffix("mode=\"plain\"}") })
        // Every family has help and a type, even with no sample.
        #expect(text.components(separatedBy: "# HELP sluice_projector_lag_seconds ").count == 2)
        #expect(text.contains("# TYPE sluice_projector_lag_seconds gauge\n"))
    }

    @Test func archiveRetentionAndVersionsAreWrittenWhenKnown() {
        var series = ScrapeSeries(mode: .timescale)
        series.parts = []
        series.database = .init(postgresql: "15.18", timescaledb: "2.28.\"3\"")
        series.archive = ArchiveStatus(parts: 4, bytes: 123_456, lastPartAt: 1_764_000_000.5, lastRetentionRunAt: nil,
                                       daysDropped: 2, archiveDaysBehind: 0, retentionDaysBehind: nil)
        let text = series.exposition()
        let s = Self.samples(text)
        #expect(s["sluice_up"] == "1")
        #expect(s["sluice_archive_parts"] == "4")
        #expect(s["sluice_archive_bytes"] == "123456")
        #expect(s["sluice_archive_last_part_timestamp_seconds"] == "1764000000.5")
        #expect(s["sluice_archive_day_backlog"] == "0")
        #expect(s["sluice_retention_drops_total"] == "2")
        #expect(s["sluice_retention_day_backlog"] == nil, "not known: no sample rather than a made-up 0")
        #expect(s["sluice_retention_last_run_timestamp_seconds"] == nil)
        #expect(text.contains("# TYPE sluice_retention_drops_total counter\n"))
        #expect(s.keys.contains { $0.contains(#"postgresql="15.18",timescaledb="2.28.\"3\"""#) }, "\(s.keys)")
    }

    /// Every name the process can expose passes Prometheus's linter, whether or not a run happens
    /// to record it: the families read at scrape time with every value known, and one sample of
    /// each series named in ``ProcessMetrics/help``.
    @Test func everyNameTheProcessCanExposePassesPromtool() async throws {
        var series = ScrapeSeries(mode: .timescale)
        series.parts = []
        series.database = .init(postgresql: "15.18", timescaledb: "2.28.3")
        series.pools = [("write", .init(size: 2, inUse: 1, waiting: 0))]
        series.archive = ArchiveStatus(parts: 1, bytes: 1, lastPartAt: 1, lastRetentionRunAt: 1,
                                       daysDropped: 1, archiveDaysBehind: 1, retentionDaysBehind: 1)
        var text = series.exposition()
        for (name, help) in ProcessMetrics.help.sorted(by: { $0.key < $1.key }) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(name.hasSuffix("_total") ? "counter" : "gauge")\n\(name) 1\n"
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lint-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let check = try await runTool(["promtool", "check", "metrics"], input: .file(file.path), check: false)
        #expect(check.status == 0, "\(check.output)")
    }
}
