import SluiceCore

/// Why a transcript line could not be read.
public struct LineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// Byte offset within the line.
    public var offset: Int
    public init(_ message: String, at offset: Int) { self.message = message; self.offset = offset }
    public var description: String { "\(message) (at byte \(offset) of the line)" }
}

/// A fast JSON reader over one line: it checks the grammar (structure, literals, numbers,
/// string termination and escapes, no raw control characters) while skipping what the mapper
/// does not need, and decodes only the strings it is asked for. Invalid UTF-8 in a decoded
/// string is repaired (U+FFFD) rather than refused: the importer writes its own JSON.
struct LineScanner {
    let p: UnsafePointer<UInt8>
    var i: Int
    let end: Int

    init(_ b: UnsafeBufferPointer<UInt8>) {
        p = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
        i = 0
        end = b.count
    }

    init(_ p: UnsafePointer<UInt8>, from: Int, to: Int) {
        self.p = p
        i = from
        end = to
    }

    @inline(__always) mutating func ws() {
        while i < end {
            let c = p[i]
            if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A { i += 1 } else { return }
        }
    }

    @inline(__always) mutating func peek() -> UInt8 {
        ws()
        return i < end ? p[i] : 0
    }

    mutating func expect(_ c: UInt8) throws(LineError) {
        ws()
        guard i < end, p[i] == c else {
            throw LineError(i >= end ? "unexpected end of line (the line is incomplete)" : "expected '\(Character(Unicode.Scalar(c)))'", at: i)
        }
        i += 1
    }

    /// A string token: `range` is its content (without quotes).
    struct Str {
        var range: Range<Int>
        var escaped: Bool
    }

    /// Reads a string starting at `"` (after whitespace).
    mutating func string() throws(LineError) -> Str {
        ws()
        guard i < end, p[i] == UInt8(ascii: "\"") else { throw LineError("expected a string", at: i) }
        i += 1
        let start = i
        var escaped = false
        // Eight bytes at a time to the next '"', '\\' or control character; its position is the
        // lowest flagged byte (the borrow trick's false positives only sit above a true one).
        while true {
            while i + 8 <= end {
                let m = Self.special(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                if m != 0 { i += m.trailingZeroBitCount >> 3; break }
                i += 8
            }
            guard i < end else { break }
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                let r = start..<i
                i += 1
                return Str(range: r, escaped: escaped)
            }
            if c == UInt8(ascii: "\\") {
                escaped = true
                try escape()
                continue
            }
            if c < 0x20 { throw LineError("raw control character in a string", at: i) }
            i += 1  // only near the end of the line, where fewer than eight bytes remain
        }
        throw LineError("unterminated string (the line is incomplete)", at: start - 1)
    }

    /// High bits set on the bytes of `w` that are '"' (0x22), '\\' (0x5C) or below 0x20 (and
    /// possibly on bytes above such a byte); zero when there is none.
    @inline(__always) static func special(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ (ones &* 0x22)
        let b = w ^ (ones &* 0x5C)
        let zq = (q &- ones) & ~q & high
        let zb = (b &- ones) & ~b & high
        let ctl = (w &- ones &* 0x20) & ~w & high
        return zq | zb | ctl
    }

    private mutating func escape() throws(LineError) {
        guard i + 1 < end else { throw LineError("unterminated escape", at: i) }
        switch p[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 2
        case UInt8(ascii: "u"):
            guard i + 6 <= end else { throw LineError("truncated \\u escape", at: i) }
            for k in 2..<6 where JSONUnescape.hex(p[i + k]) == nil { throw LineError("invalid \\u escape", at: i) }
            i += 6
        default:
            throw LineError("invalid escape sequence", at: i)
        }
    }

    /// Skips one value, checking its grammar. Never recurses deeper than `depth` 256.
    mutating func skip() throws(LineError) {
        ws()
        guard i < end else { throw LineError("unexpected end of line (the line is incomplete)", at: i) }
        switch p[i] {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"), UInt8(ascii: "["): try skipContainer()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), 0x30...0x39: _ = try number()
        default: throw LineError("unexpected character, expected a value", at: i)
        }
    }

    /// Skips an object or array iteratively (a stack of open brackets), checking commas, colons
    /// and that keys are strings.
    private mutating func skipContainer() throws(LineError) {
        var stack: [UInt8] = []  // '{' or '['
        var expectValue = true
        while true {
            ws()
            guard i < end else { throw LineError("unexpected end of line (the line is incomplete)", at: i) }
            let c = p[i]
            if expectValue {
                switch c {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    stack.append(c)
                    i += 1
                    ws()
                    guard i < end else { throw LineError("unexpected end of line (the line is incomplete)", at: i) }
                    if (c == UInt8(ascii: "{") && p[i] == UInt8(ascii: "}")) || (c == UInt8(ascii: "[") && p[i] == UInt8(ascii: "]")) {
                        i += 1
                        stack.removeLast()
                        if stack.isEmpty { return }
                        expectValue = false
                        continue
                    }
                    if c == UInt8(ascii: "{") {
                        _ = try string()
                        try expect(UInt8(ascii: ":"))
                    }
                    continue
                case UInt8(ascii: "\""): _ = try string()
                case UInt8(ascii: "t"): try literal("true")
                case UInt8(ascii: "f"): try literal("false")
                case UInt8(ascii: "n"): try literal("null")
                case UInt8(ascii: "-"), 0x30...0x39: _ = try number()
                default: throw LineError("unexpected character, expected a value", at: i)
                }
                expectValue = false
                continue
            }
            // After a value: ',' or the closing bracket.
            let open = stack[stack.count - 1]
            if c == UInt8(ascii: ",") {
                i += 1
                if open == UInt8(ascii: "{") {
                    _ = try string()
                    try expect(UInt8(ascii: ":"))
                }
                expectValue = true
            } else if (open == UInt8(ascii: "{") && c == UInt8(ascii: "}")) || (open == UInt8(ascii: "[") && c == UInt8(ascii: "]")) {
                i += 1
                stack.removeLast()
                if stack.isEmpty { return }
            } else {
                throw LineError(open == UInt8(ascii: "{") ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array", at: i)
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws(LineError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= end else { throw LineError("invalid literal (the line is incomplete?)", at: i) }
        for k in 0..<n where p[i + k] != word.utf8Start[k] { throw LineError("invalid literal", at: i) }
        i += n
    }

    /// Reads a number; returns its byte range.
    mutating func number() throws(LineError) -> Range<Int> {
        ws()
        let start = i
        if i < end, p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < end, p[i] &- 0x30 < 10 else { throw LineError("invalid number", at: start) }
        if p[i] == 0x30 { i += 1 } else { while i < end, p[i] &- 0x30 < 10 { i += 1 } }
        if i < end, p[i] == UInt8(ascii: ".") {
            i += 1
            guard i < end, p[i] &- 0x30 < 10 else { throw LineError("invalid number", at: start) }
            while i < end, p[i] &- 0x30 < 10 { i += 1 }
        }
        if i < end, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < end, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard i < end, p[i] &- 0x30 < 10 else { throw LineError("invalid number", at: start) }
            while i < end, p[i] &- 0x30 < 10 { i += 1 }
        }
        return start..<i
    }

    /// A non-negative integer value (tokens); other numbers and non-numbers give nil (skipped).
    mutating func count() throws(LineError) -> Int64? {
        if peek() != UInt8(ascii: "-") && !(p[i] &- 0x30 < 10) { try skip(); return nil }
        let r = try number()
        var v: Int64 = 0
        for k in r {
            let c = p[k]
            guard c &- 0x30 < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - 0x30))
            guard !o1, !o2 else { return nil }
            v = a
        }
        return v
    }

    /// A string value, or nil for any other value (skipped).
    mutating func optionalString() throws(LineError) -> String? {
        if peek() != UInt8(ascii: "\"") { try skip(); return nil }
        return decode(try string())
    }

    /// A boolean value, or nil for any other value (skipped).
    mutating func optionalBool() throws(LineError) -> Bool? {
        switch peek() {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        default: try skip(); return nil
        }
    }

    /// Compares a key (already read) with `word`, byte for byte; keys with escapes never match.
    @inline(__always) func key(_ s: Str, is word: StaticString) -> Bool {
        guard !s.escaped, s.range.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        var k = 0
        for j in s.range {
            if p[j] != w[k] { return false }
            k += 1
        }
        return true
    }

    /// Iterates the members of the object at the current position: `body` must consume the
    /// value of each member it is given (read it or `skip()` it).
    mutating func members(_ body: (inout LineScanner, Str) throws(LineError) -> Void) throws(LineError) {
        try expect(UInt8(ascii: "{"))
        if peek() == UInt8(ascii: "}") { i += 1; return }
        while true {
            let k = try string()
            try expect(UInt8(ascii: ":"))
            try body(&self, k)
            ws()
            guard i < end else { throw LineError("unexpected end of line (the line is incomplete)", at: i) }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "}") { i += 1; return }
            throw LineError("expected ',' or '}' in an object", at: i)
        }
    }

    /// Iterates the elements of the array at the current position; `body` consumes each.
    mutating func elements(_ body: (inout LineScanner) throws(LineError) -> Void) throws(LineError) {
        try expect(UInt8(ascii: "["))
        if peek() == UInt8(ascii: "]") { i += 1; return }
        while true {
            try body(&self)
            ws()
            guard i < end else { throw LineError("unexpected end of line (the line is incomplete)", at: i) }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "]") { i += 1; return }
            throw LineError("expected ',' or ']' in an array", at: i)
        }
    }

    /// Decodes a string token.
    func decode(_ s: Str) -> String {
        decode(s, limit: .max)
    }

    /// Decodes at most about `limit` bytes of a string token (escapes are decoded).
    func decode(_ s: Str, limit: Int) -> String {
        let r = s.range
        if !s.escaped {
            let n = min(r.count, limit)
            return String(decoding: UnsafeBufferPointer(start: p + r.lowerBound, count: n), as: UTF8.self)
        }
        return JSONUnescape.decode(p, r, limit: limit)
    }
}
