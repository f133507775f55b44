/// Why a piece of JSON text was refused.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// Byte offset into the text that was scanned.
    public var offset: Int
    /// Where in the value the fault is, as member and element accessors (`.usage.tokens`, `[3]`);
    /// empty for the value itself.
    public var path: String = ""

    public init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) (at byte \(offset))" }
}

extension JSONError {
    /// This error, seen from the value that holds the faulty one at `accessor`.
    func within(_ accessor: String) -> JSONError {
        var outer = self
        outer.path = accessor + path
        return outer
    }
}

/// A strict, allocation-free JSON validator and tokenizer over UTF-8 bytes.
///
/// It enforces what PostgreSQL's `jsonb` and `text` will later require, so that a value that
/// passes here is never refused by the database: well-formed UTF-8, no NUL (`\u0000` or raw),
/// no unpaired UTF-16 surrogate escapes, a bounded nesting depth, and numbers within the range
/// of `numeric`, which `jsonb` stores them as.
public struct JSONScanner: ~Copyable {
    public static let maximumDepth = 64
    /// `numeric` holds values below 10^131072: at most this many digits before the decimal point.
    public static let maximumIntegerDigits = 131_072
    /// `numeric` keeps at most this many digits after the decimal point (trailing zeros count).
    public static let maximumFractionDigits = 16_383
    /// `numeric` refuses an exponent of this magnitude or more (`INT_MAX / 2`) before anything else.
    public static let exponentLimit = 1_073_741_823

    @usableFromInline let base: UnsafeBufferPointer<UInt8>
    /// Index of the next unread byte.
    public var index: Int
    public let end: Int

    public init(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int = 0, to end: Int? = nil) {
        self.base = buffer
        self.index = start
        self.end = end ?? buffer.count
    }

    @inlinable public func byte(at i: Int) -> UInt8 { base[i] }

    public var atEnd: Bool { index >= end }

    @inline(__always)
    public mutating func skipWhitespace() {
        while index < end {
            switch base[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte, without consuming it.
    public mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < end ? base[index] : nil
    }

    public mutating func expect(_ c: UInt8, _ what: @autoclosure () -> String) throws(JSONError) {
        skipWhitespace()
        guard index < end else { throw JSONError("unexpected end of input, expected \(what())", at: index) }
        guard base[index] == c else { throw JSONError("expected \(what())", at: index) }
        index += 1
    }

    /// Validates one complete value starting at the current position and returns its byte range.
    public mutating func scanValue(depth: Int = 1) throws(JSONError) -> Range<Int> {
        skipWhitespace()
        let start = index
        guard index < end else { throw JSONError("unexpected end of input, expected a value", at: index) }
        switch base[index] {
        case UInt8(ascii: "{"):
            guard depth <= Self.maximumDepth else {
                throw JSONError("JSON is nested deeper than \(Self.maximumDepth) levels", at: index)
            }
            index += 1
            if peek() == UInt8(ascii: "}") { index += 1; return start..<index }
            while true {
                skipWhitespace()
                guard index < end, base[index] == UInt8(ascii: "\"") else { throw JSONError("expected a string key", at: index) }
                let keyStart = index
                _ = try scanString()
                let key = keyStart..<index
                try expect(UInt8(ascii: ":"), "':' after an object key")
                do { _ = try scanValue(depth: depth + 1) } catch {
                    throw error.within(".\(decodeString(key))")
                }
                skipWhitespace()
                guard index < end else { throw JSONError("unexpected end of input inside an object", at: index) }
                if base[index] == UInt8(ascii: ",") { index += 1; continue }
                if base[index] == UInt8(ascii: "}") { index += 1; return start..<index }
                throw JSONError("expected ',' or '}' in an object", at: index)
            }
        case UInt8(ascii: "["):
            guard depth <= Self.maximumDepth else {
                throw JSONError("JSON is nested deeper than \(Self.maximumDepth) levels", at: index)
            }
            index += 1
            if peek() == UInt8(ascii: "]") { index += 1; return start..<index }
            var element = 0
            while true {
                do { _ = try scanValue(depth: depth + 1) } catch { throw error.within("[\(element)]") }
                element += 1
                skipWhitespace()
                guard index < end else { throw JSONError("unexpected end of input inside an array", at: index) }
                if base[index] == UInt8(ascii: ",") { index += 1; continue }
                if base[index] == UInt8(ascii: "]") { index += 1; return start..<index }
                throw JSONError("expected ',' or ']' in an array", at: index)
            }
        case UInt8(ascii: "\""):
            _ = try scanString()
            return start..<index
        case UInt8(ascii: "t"): try literal("true"); return start..<index
        case UInt8(ascii: "f"): try literal("false"); return start..<index
        case UInt8(ascii: "n"): try literal("null"); return start..<index
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber()
            return start..<index
        default:
            throw JSONError("unexpected character, expected a value", at: index)
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        guard index + n <= end else { throw JSONError("invalid literal", at: index) }
        let p = word.utf8Start
        for k in 0..<n where base[index + k] != p[k] { throw JSONError("invalid literal", at: index) }
        index += n
    }

    private mutating func scanNumber() throws(JSONError) {
        let start = index
        if base[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end, isDigit(base[index]) else { throw JSONError("invalid number", at: start) }
        let integerStart = index
        if base[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < end, isDigit(base[index]) { index += 1 }
        }
        let integerDigits = index - integerStart
        var fraction = index..<index
        if index < end, base[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            guard index < end, isDigit(base[index]) else { throw JSONError("invalid number", at: start) }
            while index < end, isDigit(base[index]) { index += 1 }
            fraction = fractionStart..<index
        }
        var exponent = 0
        if index < end, base[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var negative = false
            if index < end, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") {
                negative = base[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < end, isDigit(base[index]) else { throw JSONError("invalid number", at: start) }
            while index < end, isDigit(base[index]) {
                exponent = min(exponent * 10 + Int(base[index] - 0x30), Self.exponentLimit)
                index += 1
            }
            if negative { exponent = -exponent }
        }
        // Short numbers, nearly all of them, cannot be out of range.
        if index - start > 24 || exponent != 0 {
            try checkNumericRange(start: start, integerDigits: integerDigits, fraction: fraction, exponent: exponent)
        }
    }

    /// Refuses a number that PostgreSQL's `numeric_in` would refuse with `22003 value overflows
    /// numeric format`, which would fail the whole COPY that carries it.
    private func checkNumericRange(start: Int, integerDigits: Int, fraction: Range<Int>, exponent: Int) throws(JSONError) {
        let limits = "numeric holds at most \(Self.maximumIntegerDigits) digits before the decimal point and \(Self.maximumFractionDigits) after"
        guard abs(exponent) < Self.exponentLimit else {
            throw JSONError("number's exponent is out of range; \(limits)", at: start)
        }
        // Digits from the first non-zero one to the decimal point, once the exponent is applied.
        let magnitude: Int
        let integerStart = base[start] == UInt8(ascii: "-") ? start + 1 : start
        if base[integerStart] != UInt8(ascii: "0") {
            magnitude = integerDigits + exponent
        } else if let firstNonZero = fraction.firstIndex(where: { base[$0] != UInt8(ascii: "0") }) {
            magnitude = exponent - (firstNonZero - fraction.lowerBound)
        } else {
            magnitude = 0  // zero
        }
        guard magnitude <= Self.maximumIntegerDigits else {
            throw JSONError("number is too large for PostgreSQL (it has \(magnitude) digits before the decimal point); \(limits)", at: start)
        }
        let scale = max(0, fraction.count - exponent)
        guard scale <= Self.maximumFractionDigits else {
            throw JSONError("number has too many digits after the decimal point for PostgreSQL (\(scale)); \(limits)", at: start)
        }
    }

    @inline(__always) private func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    /// Validates a string starting at `"`; returns whether it contained escapes.
    /// The range of its content (without quotes) is `start+1 ..< index-1`.
    @discardableResult
    public mutating func scanString() throws(JSONError) -> Bool {
        let start = index
        index += 1  // opening quote
        var escaped = false
        while index < end {
            let c = base[index]
            if c == UInt8(ascii: "\"") { index += 1; return escaped }
            if c == UInt8(ascii: "\\") {
                escaped = true
                try scanEscape()
                continue
            }
            if c < 0x20 {
                if c == 0 { throw JSONError("string contains a NUL byte, which PostgreSQL text cannot store", at: index) }
                throw JSONError("string contains an unescaped control character", at: index)
            }
            if c < 0x80 { index += 1; continue }
            try scanUTF8Sequence()
        }
        throw JSONError("unterminated string", at: start)
    }

    private mutating func scanEscape() throws(JSONError) {
        let at = index
        guard index + 1 < end else { throw JSONError("unterminated escape", at: at) }
        switch base[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 2
        case UInt8(ascii: "u"):
            let unit = try hex4(at: index + 2)
            index += 6
            if unit == 0 {
                throw JSONError("string contains \\u0000 (NUL), which PostgreSQL text cannot store", at: at)
            }
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard index + 1 < end, base[index] == UInt8(ascii: "\\"), base[index + 1] == UInt8(ascii: "u"),
                      case let low = try hex4(at: index + 2), low >= 0xDC00 && low <= 0xDFFF
                else { throw JSONError("string contains an unpaired UTF-16 surrogate escape", at: at) }
                index += 6
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw JSONError("string contains an unpaired UTF-16 surrogate escape", at: at)
            }
        default:
            throw JSONError("invalid escape sequence", at: at)
        }
    }

    private func hex4(at i: Int) throws(JSONError) -> UInt32 {
        guard i + 4 <= end else { throw JSONError("truncated \\u escape", at: i - 2) }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = base[i + k]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - 0x61 + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - 0x41 + 10
            default: throw JSONError("invalid \\u escape", at: i - 2)
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// Validates one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func scanUTF8Sequence() throws(JSONError) {
        let c0 = base[index]
        let bad = JSONError("invalid UTF-8", at: index)
        @inline(__always) func cont(_ i: Int) -> Bool { i < end && base[i] & 0xC0 == 0x80 }
        switch c0 {
        case 0xC2...0xDF:
            guard cont(index + 1) else { throw bad }
            index += 2
        case 0xE0...0xEF:
            guard cont(index + 1), cont(index + 2) else { throw bad }
            let c1 = base[index + 1]
            if c0 == 0xE0 && c1 < 0xA0 { throw bad }  // overlong
            if c0 == 0xED && c1 > 0x9F { throw bad }  // surrogate
            index += 3
        case 0xF0...0xF4:
            guard cont(index + 1), cont(index + 2), cont(index + 3) else { throw bad }
            let c1 = base[index + 1]
            if c0 == 0xF0 && c1 < 0x90 { throw bad }
            if c0 == 0xF4 && c1 > 0x8F { throw bad }
            index += 4
        default:
            throw bad
        }
    }

    /// Skips one value without validating it (only strings and brackets are tracked), so that a
    /// batch can be split into events even when one of them is malformed. Never recurses.
    public mutating func skipValueStructurally() throws(JSONError) -> Range<Int> {
        skipWhitespace()
        let start = index
        var depth = 0
        while index < end {
            let c = base[index]
            switch c {
            case UInt8(ascii: "\""):
                index += 1
                while index < end, base[index] != UInt8(ascii: "\"") {
                    index += base[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard index < end else { throw JSONError("unterminated string", at: start) }
                index += 1
                if depth == 0 { return start..<index }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return start..<index }
                depth -= 1
                index += 1
                if depth == 0 { return start..<index }
            case UInt8(ascii: ","):
                if depth == 0 { return start..<index }
                index += 1
            case 0x20, 0x0A, 0x0D, 0x09:
                if depth == 0 { return start..<index }
                index += 1
            default:
                index += 1
            }
        }
        guard depth == 0, index > start else { throw JSONError("unexpected end of input", at: index) }
        return start..<index
    }

    /// Decodes the string whose opening quote is at `range.lowerBound` (already validated).
    public func decodeString(_ range: Range<Int>) -> String {
        let inner = (range.lowerBound + 1)..<(range.upperBound - 1)
        var hasEscape = false
        for i in inner where base[i] == UInt8(ascii: "\\") { hasEscape = true; break }
        if !hasEscape {
            return String(decoding: UnsafeBufferPointer(rebasing: base[inner]), as: UTF8.self)
        }
        return JSONUnescape.decode(base.baseAddress!, inner)
    }

    /// Whether the bytes in `range` equal the ASCII `word`.
    @inline(__always)
    public func bytes(_ range: Range<Int>, equal word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let p = word.utf8Start
        var k = 0
        for i in range {
            if base[i] != p[k] { return false }
            k += 1
        }
        return true
    }

    /// Copies the bytes in `range`.
    public func copy(_ range: Range<Int>) -> [UInt8] {
        Array(UnsafeBufferPointer(rebasing: base[range]))
    }
}
