import SluiceCore

/// Builds one JSON object as bytes, valid by construction: keys are literals, strings are
/// escaped (NUL, which PostgreSQL cannot store, becomes U+FFFD), numbers are integers or
/// decimal text that the builder wrote itself.
struct JSONBuilder {
    private(set) var bytes: [UInt8]
    private var empty = true

    init(capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    private mutating func key(_ k: StaticString) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A string member; texts longer than `limit` UTF-8 bytes are cut at a character boundary.
    /// Returns whether the text was cut.
    @discardableResult
    mutating func string(_ k: StaticString, _ v: String?, limit: Int = .max) -> Bool {
        guard let v else { return false }
        key(k)
        return Self.appendEscaped(v, limit: limit, to: &bytes)
    }

    mutating func int(_ k: StaticString, _ v: Int64?) {
        guard let v else { return }
        key(k)
        bytes.append(contentsOf: String(v).utf8)
    }

    mutating func int(_ k: StaticString, _ v: Int?) { int(k, v.map(Int64.init)) }

    mutating func bool(_ k: StaticString, _ v: Bool?) {
        guard let v else { return }
        key(k)
        bytes.append(contentsOf: v ? Array("true".utf8) : Array("false".utf8))
    }

    /// A cost in US dollars, written exactly from nano-dollars (e.g. `0.001234500`).
    mutating func dollars(_ k: StaticString, nano: Int64?) {
        guard let nano else { return }
        key(k)
        bytes.append(contentsOf: Money.decimalString(nano: nano).utf8)
    }

    /// An array of strings.
    mutating func strings(_ k: StaticString, _ values: [String]) {
        key(k)
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.appendEscaped(v, limit: .max, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A nested object built by another builder.
    mutating func object(_ k: StaticString, _ inner: JSONBuilder) {
        key(k)
        var b = inner.bytes
        b.append(UInt8(ascii: "}"))
        bytes.append(contentsOf: b)
    }

    var isEmpty: Bool { empty }

    func finish() -> JSONText {
        var b = bytes
        b.append(UInt8(ascii: "}"))
        return JSONText(uncheckedBuiltBytes: b)
    }

    @discardableResult
    static func appendEscaped(_ s: String, limit: Int, to out: inout [UInt8]) -> Bool {
        var s = s
        return s.withUTF8 { u in
            var n = u.count
            var cut = false
            if n > limit {
                n = limit
                while n > 0 && u[n] & 0xC0 == 0x80 { n -= 1 }  // back to a character start
                cut = true
            }
            appendJSONString(utf8: UnsafeBufferPointer(rebasing: u[0..<n]), replacingNUL: true, to: &out)
            return cut
        }
    }
}
