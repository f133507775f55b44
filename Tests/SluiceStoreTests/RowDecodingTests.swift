import Testing
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
}
