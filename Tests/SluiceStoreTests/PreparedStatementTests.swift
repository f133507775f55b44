import SluiceStore
import SluiceTestSupport
import Testing

/// `PostgresConnection.executePrepared`: prepared once per connection, run with new parameters.
@Suite struct PreparedStatementTests {
    @Test func aStatementIsPreparedOnceAndRunWithEachCallsParameters() async throws {
        let db = try await TestDatabase.fresh(migrate: false)
        let result = try await TestDatabase.query(db) { conn throws(StoreError) in
            let sql = "SELECT $1::int + $2::int"
            let sums = try (1...8).map { i throws(StoreError) in try conn.executePrepared(sql, [String(i), "10"]).scalar(String.self) }
            let prepared = try conn.execute("SELECT count(*) FROM pg_prepared_statements").scalar(String.self)
            return (sums, prepared)
        }
        #expect(result.0 == (11...18).map(String.init))
        #expect(result.1 == "1")
    }

    /// A generic plan is asked for within the statement's transaction only, also when it fails.
    @Test func aGenericPlanIsForcedForThatStatementOnly() async throws {
        let db = try await TestDatabase.fresh(migrate: false)
        let modes = try await TestDatabase.query(db) { conn throws(StoreError) in
            var seen: [String?] = []
            try conn.transaction { () throws(StoreError) in
                let sql = "SELECT current_setting('plan_cache_mode') || $1::text"
                seen.append(try conn.executePrepared(sql, ["!"], generic: true).scalar(String.self))
                seen.append(try conn.execute("SHOW plan_cache_mode").scalar(String.self))
            }
            do throws(StoreError) {
                try conn.transaction { () throws(StoreError) in
                    _ = try conn.executePrepared("SELECT 1 / $1::int", ["0"], generic: true)
                }
            } catch .server(sqlState: "22012", _, _) {}
            seen.append(try conn.execute("SHOW plan_cache_mode").scalar(String.self))
            return seen
        }
        #expect(modes == ["force_generic_plan!", "auto", "auto"])
    }
}
