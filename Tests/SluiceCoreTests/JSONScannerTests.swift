import Testing
@testable import SluiceCore

@Suite struct JSONScannerTests {
    func validate(_ bytes: [UInt8]) -> JSONError? {
        bytes.withUnsafeBufferPointer { (b) -> JSONError? in
            var s = JSONScanner(b)
            do throws(JSONError) {
                _ = try s.scanValue()
                s.skipWhitespace()
                return s.atEnd ? nil : JSONError("trailing", at: s.index)
            } catch {
                return error
            }
        }
    }

    func validate(_ text: String) -> JSONError? { validate(Array(text.utf8)) }

    @Test(arguments: [
        #"{}"#, #"[]"#, #"{"a":[1,-2.5e10,0,true,false,null,"x"]}"#, #""\u00e9\ud83d\ude00\n\t\"\\\/""#,
        #" { "a" : { "b" : [ ] } } "#, "\"日本語 ✓ 😀\"", "-0", "1E+2",
    ])
    func acceptsValidJSON(_ text: String) {
        #expect(validate(text) == nil)
    }

    @Test(arguments: [
        #"{"a":}"#, #"[1,]"#, #"{"a" 1}"#, #"01"#, #"1."#, #"-"#, #"tru"#, #""abc"#, #"{"a":1"#,
        #""\x""#, #""\u12""#, "[1 2]", "nul",
    ])
    func rejectsMalformedJSON(_ text: String) {
        #expect(validate(text) != nil)
    }

    @Test func rejectsNULInEveryForm() {
        #expect(validate(#""a\u0000b""#)?.message.contains("NUL") == true)
        #expect(validate([0x22, 0x61, 0x00, 0x22])?.message.contains("NUL") == true)
    }

    @Test func rejectsInvalidUTF8() {
        #expect(validate([0x22, 0xC3, 0x22])?.message == "invalid UTF-8")          // truncated sequence
        #expect(validate([0x22, 0xC0, 0xAF, 0x22])?.message == "invalid UTF-8")    // overlong
        #expect(validate([0x22, 0xED, 0xA0, 0x80, 0x22])?.message == "invalid UTF-8")  // encoded surrogate
        #expect(validate([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22])?.message == "invalid UTF-8")  // above U+10FFFF
        #expect(validate([0x22, 0xFF, 0x22])?.message == "invalid UTF-8")
    }

    @Test func rejectsUnpairedSurrogateEscapes() {
        #expect(validate(#""\ud800""#) != nil)
        #expect(validate(#""\udc00\ud800""#) != nil)
        #expect(validate(#""\ud800\u0041""#) != nil)
    }

    @Test func limitsDepthTo64() {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(validate(ok) == nil)
        #expect(validate(deep)?.message.contains("deeper than 64") == true)
        // Very deep input fails cleanly instead of exhausting the stack.
        #expect(validate(String(repeating: "[", count: 1_000_000)) != nil)
    }

    @Test func decodesEscapedStrings() {
        let text = Array(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#.utf8)
        let decoded = text.withUnsafeBufferPointer { b in JSONScanner(b).decodeString(0..<b.count) }
        #expect(decoded == "a\"b\\c/d\né😀")
    }
}
