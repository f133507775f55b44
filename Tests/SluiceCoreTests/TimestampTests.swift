import Testing
@testable import SluiceCore

@Suite struct TimestampTests {
    @Test func parsesUTCWithMicroseconds() throws {
        let t = try #require(Timestamp(rfc3339: "2026-01-02T03:04:05.123456Z"))
        #expect(t.microsecondsSinceEpoch == 1_767_323_045_123_456)
        #expect(t.rfc3339 == "2026-01-02T03:04:05.123456Z")
    }

    @Test func appliesOffsets() throws {
        let a = try #require(Timestamp(rfc3339: "2026-01-02T05:04:05+02:00"))
        let b = try #require(Timestamp(rfc3339: "2026-01-02T03:04:05Z"))
        let c = try #require(Timestamp(rfc3339: "2026-01-01T22:34:05-04:30"))
        #expect(a == b)
        #expect(c == b)
    }

    @Test func roundsNanosecondsHalfToEvenLikePostgres() throws {
        #expect(Timestamp(rfc3339: "2026-01-02T03:04:05.1234564Z")?.rfc3339 == "2026-01-02T03:04:05.123456Z")
        #expect(Timestamp(rfc3339: "2026-01-02T03:04:05.1234566Z")?.rfc3339 == "2026-01-02T03:04:05.123457Z")
        #expect(Timestamp(rfc3339: "2026-01-02T03:04:05.1234565Z")?.rfc3339 == "2026-01-02T03:04:05.123456Z")
        #expect(Timestamp(rfc3339: "2026-01-02T03:04:05.1234575Z")?.rfc3339 == "2026-01-02T03:04:05.123458Z")
        #expect(Timestamp(rfc3339: "2026-01-02T03:04:05.999999999Z")?.rfc3339 == "2026-01-02T03:04:06.000000Z")
        #expect(Timestamp(rfc3339: "2026-01-02T03:04:05.5Z")?.rfc3339 == "2026-01-02T03:04:05.500000Z")
    }

    @Test func handlesDatesBeforeTheEpochAndLeapDays() throws {
        #expect(Timestamp(rfc3339: "1969-12-31T23:59:59.999999Z")?.microsecondsSinceEpoch == -1)
        #expect(Timestamp(rfc3339: "2024-02-29T00:00:00Z") != nil)
        #expect(Timestamp(rfc3339: "2025-02-29T00:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "1900-01-01T00:00:00Z")?.rfc3339 == "1900-01-01T00:00:00.000000Z")
    }

    @Test(arguments: [
        "", "2026-01-02", "2026-01-02T03:04:05", "2026-01-02T03:04:05.Z", "2026-13-02T03:04:05Z",
        "2026-01-02T24:00:00Z", "2026-01-02T03:04:05+0200", "2026-01-02T03:04:05Zjunk", "26-01-02T03:04:05Z",
        "2026-01-02T03:04:05.123+25:00",
    ])
    func rejectsMalformedTimes(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func convertsToPostgresEpoch() throws {
        let t = try #require(Timestamp(rfc3339: "2000-01-01T00:00:00.000001Z"))
        #expect(t.postgresMicroseconds == 1)
    }
}
