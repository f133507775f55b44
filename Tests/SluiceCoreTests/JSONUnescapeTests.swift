import Testing
import SluiceCore

/// The one decoder of JSON string escapes, which the ingest scanner and the importers share.
@Suite struct JSONUnescapeTests {
    private func decode(_ body: String, limit: Int = .max) -> String {
        let bytes = Array(body.utf8)
        return bytes.withUnsafeBufferPointer { JSONUnescape.decode($0.baseAddress!, 0..<bytes.count, limit: limit) }
    }

    @Test func escapesDecode() {
        #expect(decode(#"a\"b\\c\/d\b\f\n\r\t"#) == "a\"b\\c/d\u{8}\u{C}\n\r\t")
        #expect(decode(#"\u00e9\u20AC"#) == "é€")
        #expect(decode(#"\ud83d\ude00!"#) == "😀!")
    }

    @Test func aSurrogateWithoutItsPairIsTheReplacementCharacter() {
        #expect(decode(#"\ud83dx"#) == "\u{FFFD}x")
        #expect(decode(#"\ud83d\u0041"#) == "\u{FFFD}A")
        #expect(decode(#"\ude00"#) == "\u{FFFD}")
    }

    @Test func decodingStopsOnceTheLimitIsReached() {
        #expect(decode(#"ab\ncdef"#, limit: 3) == "ab\n")
        #expect(decode(#"\u00e9\u00e9\u00e9"#, limit: 3) == "éé")
    }
}
