import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport

/// Random events built to sit at the edges of what the decoder takes (numbers near `numeric`'s
/// limits, instants near the ends of the range with any offset, long keys, escapes, surrogates,
/// deep nesting): every event the decoder accepts is stored by one binary COPY, untouched.
@Suite struct CopyFuzzTests {
    static let seed = UInt64(ProcessInfo.processInfo.environment["SLUICE_FUZZ_SEED"] ?? "") ?? 20_261_203

    @Test func everyAcceptedEventIsStoredByCopy() async throws {
        let url = try await TestDatabase.fresh()
        let seed = Self.seed
        // Generated on the connection's thread, not the cooperative pool's: building numbers of
        // 131072 digits takes seconds of CPU that other tests' servers need meanwhile.
        let (accepted, refused, outcome, readBack) = try await TestDatabase.query(url) { conn throws(StoreError) in
            var g = SeededGenerator(seed: seed)
            var accepted = 0, refused = 0
            var chunks: [CopyBinaryEncoder] = []
            var chunk = CopyBinaryEncoder()
            while accepted < 400 {
                switch EventDecoder(maximumEventBytes: 1 << 20).decode(EventFuzz.event(&g)) {
                case .success(let e):
                    chunk.append(e)
                    accepted += 1
                    if chunk.rowCount == 50 { chunks.append(chunk); chunk = CopyBinaryEncoder() }
                case .failure:
                    refused += 1
                }
            }
            let outcome = try EventWriter.write(chunks, on: conn)
            // What the folds do with every row: read its instant back from its ISO text.
            let readBack = try conn.execute("""
                SELECT count(*) FROM agent_events
                WHERE to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')::timestamptz = "timestamp"
                """).scalar(String.self)
            return (accepted, refused, outcome, readBack)
        }
        #expect(outcome.refused.isEmpty, "seed \(seed): \(outcome.refused.values.flatMap { $0 }.prefix(3))")
        #expect(outcome.inserted == accepted, "seed \(seed)")
        #expect(readBack == String(accepted), "seed \(seed)")
        #expect(refused > 30, "the generator should also produce events past the limits (seed \(seed))")
    }
}

/// Event JSON drawn at the edges of the limits.
enum EventFuzz {
    static func event(_ g: inout SeededGenerator) -> String {
        var members: [String] = [
            #""timestamp":"\#(timestamp(&g))""#, #""eventType":\#(string(&g, max: 40))"#,
            #""agentId":\#(pick(&g, [#""claude-code""#, string(&g, max: 1030)]))"#,
            #""sessionId":"0190c1a0-0000-7000-8000-00000000000\#(Int.random(in: 0...9, using: &g))""#, #""projectId":1"#,
            #""context":\#(object(&g, keys: ["machineId", "workspaceId", "hostname", "cwd", "model"], depth: 0))"#,
            #""data":\#(object(&g, keys: ["toolName", "model", "name", "x", "usage", "content"], depth: 0))"#,
            #""tags":[\#(string(&g, max: 20)),\#(string(&g, max: 1030))]"#,
        ]
        if Bool.random(using: &g) { members.append(#""metrics":\#(object(&g, keys: ["durationMs", "cost", "model", "tokens"], depth: 0))"#) }
        if Int.random(in: 0..<8, using: &g) == 0 { members.append(#""machineId":\#(number(&g))"#) }
        return "{" + members.shuffled(using: &g).joined(separator: ",") + "}"
    }

    static func pick(_ g: inout SeededGenerator, _ options: [String]) -> String { options[Int.random(in: 0..<options.count, using: &g)] }

    static func timestamp(_ g: inout SeededGenerator) -> String {
        let year = pick(&g, ["0001", "0001", "9999", "9999", "2026", String(format: "%04d", Int.random(in: 1...9999, using: &g))])
        let (month, day) = year == "0001" ? ("01", "01") : year == "9999" ? ("12", "31") : ("06", "15")
        let hour = pick(&g, ["00", "13", "23"]), minute = pick(&g, ["00", "30", "59"]), second = pick(&g, ["00", "59"])
        let fraction = pick(&g, ["", ".5", ".999999", ".9999995", ".0000001", ".123456789"])
        let h = Int.random(in: 0...14, using: &g), m = pick(&g, ["00", "30", "59"])
        let offset = pick(&g, ["Z", "+\(String(format: "%02d", h)):\(m)", "-\(String(format: "%02d", h)):\(m)"])
        return "\(year)-\(month)-\(day)T\(hour):\(minute):\(second)\(fraction)\(offset)"
    }

    static func number(_ g: inout SeededGenerator) -> String {
        let sign = Bool.random(using: &g) ? "-" : ""
        switch Int.random(in: 0..<14, using: &g) {  // the long ones (1, 2) are rarer: they are costly to build
        case 0: return sign + String(Int.random(in: 0...Int.max, using: &g))
        case 1:  // long integers around 131072 digits
            let n = 131_072 + Int.random(in: -2...2, using: &g)
            return sign + "1" + String(repeating: "0", count: n - 1)
        case 2:  // long fractions around 16383 digits
            let n = 16_383 + Int.random(in: -2...2, using: &g)
            return sign + "0." + String(repeating: "0", count: n - 1) + "7"
        case 3:  // exponents near the edges
            let e = pick(&g, ["131071", "131072", "-16383", "-16384", "1073741822", "1073741823", "99999999999", "-1073741823"])
            return sign + pick(&g, ["1", "0", "9.75", "0.001", "12345"]) + "e" + e
        case 4, 6, 7: return sign + "\(Double.random(in: -1e300...1e300, using: &g))".replacingOccurrences(of: "inf", with: "1")
        default: return sign + pick(&g, ["0", "0.0", "1e0", "2147483647", "2147483648", "1.5", "-0"])
        }
    }

    static func string(_ g: inout SeededGenerator, max: Int) -> String {
        let length = Int.random(in: 0...max, using: &g)
        var out = "\""
        var bytes = 0
        while bytes < length {
            switch Int.random(in: 0..<10, using: &g) {
            case 0: out += #"\u00e9"#; bytes += 2
            case 1: out += #"\ud83d\ude00"#; bytes += 4
            case 2: out += #"\n\t\"\\"#; bytes += 4
            case 3: out += "项"; bytes += 3
            default: out += "x"; bytes += 1
            }
        }
        if Int.random(in: 0..<40, using: &g) == 0 { out += pick(&g, [#"\u0000"#, #"\ud800"#, #"\udc00x"#, "\u{01}"]) }  // refused
        return out + "\""
    }

    static func object(_ g: inout SeededGenerator, keys: [String], depth: Int) -> String {
        if depth > 66 { return "1" }
        if depth > 3 && Int.random(in: 0..<3, using: &g) > 0 { return "[" + object(&g, keys: keys, depth: depth + 1) + "]" }
        var members: [String] = []
        for key in keys where Int.random(in: 0..<3, using: &g) > 0 {
            let value: String = switch Int.random(in: 0..<5, using: &g) {
            case 0: number(&g)
            case 1: string(&g, max: Int.random(in: 0..<2, using: &g) == 0 ? 1030 : 30)
            case 2 where depth < 2 || Int.random(in: 0..<40, using: &g) == 0: object(&g, keys: ["n", "s"], depth: depth + 1)
            case 3: pick(&g, ["true", "null", "[]", "{}"])
            default: String(Int.random(in: -5...5, using: &g))
            }
            members.append("\"\(key)\":\(value)")
        }
        return "{" + members.joined(separator: ",") + "}"
    }
}
