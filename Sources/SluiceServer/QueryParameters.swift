import Hummingbird
import SluiceCore

/// A request's query string, decoded as HTML forms and most HTTP clients encode it
/// (`application/x-www-form-urlencoded`): `+` is a space and `%XX` a byte, in names and values
/// alike, so `q=flaky+test` and `q=flaky%20test` are the same and `%2B` is a literal `+`. Every
/// route reads its query parameters through this type, never through `uri.queryParameters`
/// (which keeps `+`). A repeated name keeps its last value.
struct QueryParameters: Sendable {
    private var values: [String: String] = [:]
    /// The values with `+` left as `+`: for times sent with an unencoded `+02:00` offset.
    private var plusKept: [String: String] = [:]

    init(_ request: Request) throws(BadQuery) {
        try self.init(query: request.uri.query)
    }

    /// `query` is the raw text after `?`, as sent.
    init(query: String?) throws(BadQuery) {
        guard let query else { return }
        for pair in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let eq = pair.firstIndex(of: UInt8(ascii: "="))
            let rawName = eq.map { pair[..<$0] } ?? pair
            let rawValue = eq.map { pair[pair.index(after: $0)...] } ?? pair[pair.endIndex...]
            let name = try Self.decode(rawName, plusIsSpace: true, what: "a query parameter name")
            values[name] = try Self.decode(rawValue, plusIsSpace: true, what: "query parameter \(name)")
            plusKept[name] = try Self.decode(rawValue, plusIsSpace: false, what: "query parameter \(name)")
        }
    }

    /// The decoded value of `name`, or nil when absent (`name` alone, without `=`, is "").
    subscript(name: String) -> String? { values[name] }

    /// `name` as an RFC 3339 time with offset, normalized to UTC (``Timestamp/rfc3339``); nil when
    /// absent. An offset's `+` should be sent as `%2B`; an unencoded one (`+02:00`, which form
    /// decoding turns into a space) is accepted too, since a space cannot stand there.
    func time(_ name: String) throws(BadQuery) -> String? {
        guard let value = values[name] else { return nil }
        guard let t = Timestamp(rfc3339: value) ?? plusKept[name].flatMap({ Timestamp(rfc3339: $0) }) else {
            throw BadQuery("\(name) must be an RFC 3339 time with offset (send + as %2B)")
        }
        return t.rfc3339
    }

    /// Decodes `%XX` escapes (and `+` when `plusIsSpace`). A `%` not followed by two hex digits
    /// stays as it is. The result must be UTF-8 without NUL (PostgreSQL text cannot hold NUL).
    static func decode(_ raw: Substring.UTF8View, plusIsSpace: Bool, what: String) throws(BadQuery) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let c = raw[i]
            if c == UInt8(ascii: "+"), plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else if c == UInt8(ascii: "%"), let hi = hex(raw, raw.index(after: i)), let lo = hex(raw, raw.index(i, offsetBy: 2, limitedBy: raw.endIndex)) {
                bytes.append(hi << 4 | lo)
                i = raw.index(i, offsetBy: 2)
            } else {
                bytes.append(c)
            }
            i = raw.index(after: i)
        }
        guard !bytes.contains(0) else { throw BadQuery("\(what) contains a NUL character (%00)") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw BadQuery("\(what) is not UTF-8 once decoded") }
        return text
    }

    private static func hex(_ raw: Substring.UTF8View, _ index: Substring.UTF8View.Index?) -> UInt8? {
        guard let index, index < raw.endIndex else { return nil }
        switch raw[index] {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return raw[index] - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return raw[index] - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return raw[index] - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// A query parameter the route cannot use: answered 400 with `message`.
struct BadQuery: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
