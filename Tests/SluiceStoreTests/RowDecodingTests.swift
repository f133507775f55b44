import Testing
import SluiceCore
import SluiceTestSupport
@testable import SluiceStore

/// Typed reads of result rows: a value of another type or an unexpected NULL is an error naming
/// the column, never a silent 0.
@Suite struct RowDecodingTests {
    let result = QueryResult(columns: ["id", "name", "count", "admin", "ratio", "missing"],
                             rows: [["7", "seven", "oops", "t", "0.5", nil]], affectedRows: 0)

    @Test func decodesEachType() throws {
        let row = try #require(result.firstRow)
        #expect(try row.decode(Int.self, at: 0) == 7)
        #expect(try row.decode(Int32.self, at: 0) == 7)
        #expect(try row.decode(Int64.self, at: 0) == 7)
        #expect(try row.decode(String.self, at: 1) == "seven")
        #expect(try row.decode(Bool.self, at: 3))
        #expect(try row.decode(Double.self, at: 4) == 0.5)
        #expect(try row.decodeIfPresent(Int.self, at: 5) == nil)
        #expect(try result.scalar(Int.self) == 7)
        #expect(try QueryResult(columns: ["n"], rows: [], affectedRows: 0).scalar(Int.self) == nil)
    }

    @Test func aValueOfAnotherTypeNamesItsColumn() throws {
        let row = try #require(result.firstRow)
        #expect(throws: StoreError.self) { try row.decode(Int.self, at: 2) }
        do {
            _ = try row.decode(Int.self, at: 2)
        } catch {
            guard case .decoding(let column, let value, let type) = error else { Issue.record("\(error)"); return }
            #expect(column == "count" && value == "oops" && type == "bigint")
            #expect(error.description.contains("column count holds 'oops', not a bigint value"))
        }
        #expect(throws: StoreError.self) { try row.decode(Bool.self, at: 1) }
        #expect(throws: StoreError.self) { try row.decode(Int32.self, at: 4) }
        #expect(throws: StoreError.self) { try result.scalar(Int.self, column: 2) }
    }

    @Test func aNullOrAMissingColumnIsAnErrorWhereAValueIsRequired() throws {
        let row = try #require(result.firstRow)
        do {
            _ = try row.decode(Int.self, at: 5)
            Issue.record("NULL decoded as a number")
        } catch {
            #expect(error.description.contains("column missing holds NULL"))
        }
        #expect(throws: StoreError.self) { try row.decode(Int.self, at: 9) }
        #expect(throws: StoreError.self) { try row.decodeIfPresent(Int.self, at: 9) }
    }

    @Test func decodesTransactionIdsModesAndJSON() throws {
        let row = Row(values: ["18446744073709551615", "-1", "timescale", "plain", "other", #"{"a":[1,true]}"#, "{"],
                      columns: ["xid", "negative", "mode", "plain", "bad mode", "json", "bad json"])
        #expect(try row.decode(UInt64.self, at: 0) == UInt64.max)
        #expect(throws: StoreError.self) { try row.decode(UInt64.self, at: 1) }
        #expect(try row.decode(DatabaseMode.self, at: 2) == .timescale)
        #expect(try row.decode(DatabaseMode.self, at: 3) == .plain)
        #expect(throws: StoreError.self) { try row.decode(DatabaseMode.self, at: 4) }
        #expect(try row.decode(JSONValue.self, at: 5) == JSONValue(json: #"{"a":[1,true]}"#))
        #expect(throws: StoreError.self) { try row.decode(JSONValue.self, at: 6) }
    }

    /// PostgreSQL's ISO output of a `timestamptz` in any session time zone, and RFC 3339.
    @Test func decodesTimestampsInEachOffsetForm() throws {
        let instant = try #require(Timestamp(rfc3339: "2026-01-02T03:04:05.123456Z"))
        for text in ["2026-01-02 03:04:05.123456+00", "2026-01-02 08:34:05.123456+05:30", "2026-01-02 00:04:05.123456-03",
                     "2026-01-01 23:34:05.123456-03:30", "2026-01-02T03:04:05.123456Z"] {
            #expect(Timestamp(postgresText: text) == instant, "\(text)")
        }
        // Local mean time: Amsterdam was 19 min 32 s ahead of UTC in 1920.
        #expect(Timestamp(postgresText: "1920-06-01 12:19:32+00:19:32") == Timestamp(rfc3339: "1920-06-01T12:00:00Z"))
        #expect(Timestamp(postgresText: "1920-06-01 11:40:28-00:19:32") == Timestamp(rfc3339: "1920-06-01T12:00:00Z"))
        for text in ["infinity", "-infinity", "2026-01-02 03:04:05", "2026-01-02 03:04:05+0", "2026-01-02 03:04:05+00:19:6x", "0044-03-15 12:00:00+00 BC"] {
            #expect(Timestamp(postgresText: text) == nil, "\(text)")
        }
    }

    @Test func requiredValuesAndColumns() throws {
        #expect(try result.value(Int.self) == 7)
        #expect(try result.value(String.self, column: 1) == "seven")
        #expect(throws: StoreError.self) { try result.value(Int.self, column: 5) }
        let empty = QueryResult(columns: ["n"], rows: [], affectedRows: 0)
        do {
            _ = try empty.value(Int.self)
            Issue.record("no row decoded as a value")
        } catch {
            guard case .protocolViolation(let m) = error else { Issue.record("\(error)"); return }
            #expect(m.contains("no row") && m.contains("n"))
        }
        #expect(try empty.column(Int.self).isEmpty)
        let column = QueryResult(columns: ["n"], rows: [["1"], ["2"]], affectedRows: 0)
        #expect(try column.column(Int.self) == [1, 2])
        #expect(throws: StoreError.self) { try QueryResult(columns: ["n"], rows: [["1"], [nil]], affectedRows: 0).column(Int.self) }
        #expect(throws: StoreError.self) { try QueryResult(columns: ["n"], rows: [["1"], ["x"]], affectedRows: 0).column(Int.self) }
    }
}

/// The decoders against PostgreSQL's own text output, and what a real NULL or malformed value
/// where a value is required becomes: the typed error, never 0.
@Suite struct RowDecodingDatabaseTests {
    @Test func decodesWhatPostgreSQLWrites() async throws {
        let db = try await TestDatabase.fresh(migrate: false)
        let decoded = try await TestDatabase.query(db) { conn throws(StoreError) in
            var instants: [Timestamp] = []
            for zone in ["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "America/Sao_Paulo"] {
                try conn.execute("SELECT set_config('TimeZone', $1, false)", [zone])
                instants.append(try conn.execute("SELECT '2026-01-02T03:04:05.123456Z'::timestamptz").value(Timestamp.self))
            }
            try conn.execute("SET TimeZone = 'Europe/Amsterdam'")
            let lmt = try conn.execute("SELECT '1900-06-01T12:00:00Z'::timestamptz, '1900-06-01T12:00:00Z'::timestamptz::text").requireRow()
            let row = try conn.execute("SELECT true, false, '18446744073709551615'::xid8, '{\"a\": [1, 2.5]}'::jsonb, 2::bigint, 0.25::float8").requireRow()
            return (instants, try lmt.decode(Timestamp.self, at: 0), try lmt.decode(String.self, at: 1),
                    try row.decode(Bool.self, at: 0), try row.decode(Bool.self, at: 1), try row.decode(UInt64.self, at: 2),
                    try row.decode(JSONValue.self, at: 3), try row.decode(Int.self, at: 4), try row.decode(Double.self, at: 5))
        }
        let instant = try #require(Timestamp(rfc3339: "2026-01-02T03:04:05.123456Z"))
        #expect(decoded.0 == Array(repeating: instant, count: 5))
        #expect(decoded.1 == Timestamp(rfc3339: "1900-06-01T12:00:00Z"), "local mean time, printed as \(decoded.2)")
        #expect(decoded.3 && !decoded.4 && decoded.5 == UInt64.max && decoded.7 == 2 && decoded.8 == 0.25)
        #expect(decoded.6 == JSONValue(json: #"{"a":[1,2.5]}"#))
    }

    @Test func aNullOrMalformedValueWhereOneIsRequiredIsTheTypedError() async throws {
        let db = try await TestDatabase.fresh(migrate: false)
        let errors = try await TestDatabase.query(db) { conn throws(StoreError) in
            var errors: [StoreError] = []
            for sql in ["SELECT NULL::bigint AS events", "SELECT 'many'::text AS events", "SELECT 'infinity'::timestamptz AS events",
                        "SELECT 2.5::float8 AS events"] {
                do throws(StoreError) {
                    let n = try conn.execute(sql).value(Int.self)
                    Issue.record("\(sql) decoded as \(n)")
                } catch {
                    errors.append(error)
                }
            }
            return errors
        }
        #expect(errors.count == 4)
        for (error, value) in zip(errors, [nil, "many", "infinity", "2.5"] as [String?]) {
            guard case .decoding(let column, let found, let type) = error else { Issue.record("\(error)"); continue }
            #expect(column == "events" && found == value && type == "bigint")
            #expect(error.description.contains("sluice doctor"))
        }
    }
}
