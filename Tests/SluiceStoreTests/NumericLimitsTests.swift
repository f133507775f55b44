import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport

/// The decoder's limits on numbers are PostgreSQL's own: at each edge, the decoder takes a number
/// exactly when `jsonb` does.
@Suite struct NumericLimitsTests {
    static let edges: [String] = {
        let digits = { (n: Int) in "9" + String(repeating: "0", count: n - 1) }
        let fraction = { (n: Int) in "0." + String(repeating: "0", count: n - 1) + "1" }
        return [
            digits(131_072), digits(131_073), "-" + digits(131_072), "-" + digits(131_073),
            fraction(16_383), fraction(16_384), fraction(16_383) + "0", "1." + String(repeating: "0", count: 16_383),
            "1e131071", "1e131072", "9.99e131071", "0.001e131074", "0.001e131075", "10e131070", "10e131071",
            "1e-16383", "1e-16384", "0e-16383", "0e-16384", "0e131073", "0.5e-16382", "0.5e-16383",
            "123.456e-16380", "123.456e-16381", "1e1000000", "1e-1000000", "1e1073741822", "1e1073741823",
            "0e1073741822", "0e1073741823", "1E+5", "-0.0e-0", "0e00000000000000000000001",
        ]
    }()

    @Test func theDecoderTakesANumberExactlyWhenJsonbDoes() async throws {
        let url = try await TestDatabase.fresh(migrate: false)
        let verdicts = try await TestDatabase.query(url) { conn throws(StoreError) in
            var out: [Bool] = []
            for n in Self.edges {
                do throws(StoreError) {
                    _ = try conn.execute("SELECT $1::jsonb", [#"{"n":\#(n)}"#])
                    out.append(true)
                } catch .server(sqlState: "22003", _, _) {
                    out.append(false)
                }
            }
            return out
        }
        for (n, postgres) in zip(Self.edges, verdicts) {
            let json = EventLimitsFixture.event(data: #"{"n":\#(n)}"#)
            let decoded = (try? EventDecoder(maximumEventBytes: 1 << 20).decode(json).get()) != nil
            #expect(decoded == postgres, "\(n.prefix(24))…(\(n.count) chars): PostgreSQL \(postgres ? "takes" : "refuses") it, the decoder \(decoded ? "takes" : "refuses") it")
        }
    }
}

enum EventLimitsFixture {
    static func event(timestamp: String = "2026-01-02T03:04:05Z", context: String = "{}", data: String = "{}", extra: String = "") -> String {
        #"{"timestamp":"\#(timestamp)","eventType":"tool_use","agentId":"claude-code","sessionId":"0190c1a0-0000-7000-8000-000000000001","projectId":1,"context":\#(context),"data":\#(data)\#(extra)}"#
    }
}
