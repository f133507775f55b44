/// Limits on the members of `context`, `data` and `metrics` that projections turn into keys of
/// indexed tables (machines, workspaces, tool and model aggregates).
///
/// A value past these limits is valid JSON that the log stores, but one that a projection could
/// not: a B-tree entry holds at most about 2.7 KB (`54000 index row size exceeds maximum`), and a
/// hierarchy id is an `integer`. The decoder refuses such events up front, naming the member.
enum KeyMembers {
    /// Longest key string, in UTF-8 bytes; well under the B-tree limit, whatever the other columns.
    static let maximumBytes = 1024

    enum Rule {
        /// A string of at most ``maximumBytes``.
        case key
        /// A string key, or a row id: a positive 32-bit integer.
        case keyOrRowId
    }

    static let context: [(name: [UInt8], rule: Rule)] = [
        (Array("machineId".utf8), .keyOrRowId), (Array("workspaceId".utf8), .keyOrRowId),
        (Array("hostname".utf8), .key), (Array("model".utf8), .key),
    ]
    static let data: [(name: [UInt8], rule: Rule)] = [
        (Array("toolName".utf8), .key), (Array("tool".utf8), .key), (Array("name".utf8), .key),
        (Array("model".utf8), .key), (Array("outcome".utf8), .key),
    ]
    static let metrics: [(name: [UInt8], rule: Rule)] = [(Array("model".utf8), .key)]

    /// The first member of `object` that breaks its rule, as (member name, reason).
    static func violation(in object: JSONText, _ rules: [(name: [UInt8], rule: Rule)]) -> (String, String)? {
        object.bytes.withUnsafeBufferPointer { b -> (String, String)? in
            var s = JSONScanner(b)
            guard s.peek() == UInt8(ascii: "{") else { return nil }
            s.index += 1
            while let c = s.peek(), c == UInt8(ascii: "\"") {
                let k = s.index
                guard (try? s.scanString()) != nil else { return nil }
                let key = (k + 1)..<(s.index - 1)
                guard (try? s.expect(UInt8(ascii: ":"), ":")) != nil else { return nil }
                s.skipWhitespace()
                guard let value = try? s.skipValueStructurally() else { return nil }
                // Keys written with escapes are compared as written: such keys are not ones the folds read.
                if let match = rules.first(where: { $0.name.count == key.count && $0.name.elementsEqual(b[key]) }),
                   let why = reason(b, value, match.rule) {
                    return (String(decoding: match.name, as: UTF8.self), why)
                }
                if s.peek() == UInt8(ascii: ",") { s.index += 1 }
            }
            return nil
        }
    }

    private static func reason(_ b: UnsafeBufferPointer<UInt8>, _ value: Range<Int>, _ rule: Rule) -> String? {
        let first = b[value.lowerBound]
        if first == UInt8(ascii: "\"") {
            // Escapes make the text longer than what it decodes to; compare decoded bytes only when close.
            let decoded = value.count - 2 <= maximumBytes ? value.count - 2 : JSONScanner(b).decodeString(value).utf8.count
            return decoded > maximumBytes ? "is \(decoded) bytes long; a key may have at most \(maximumBytes)" : nil
        }
        guard rule == .keyOrRowId, first != UInt8(ascii: "n") else { return nil }  // null, or not a key
        guard first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else { return nil }
        var v: Int64 = 0
        for i in value {
            let c = b[i]
            guard c >= 0x30, c <= 0x39, v <= Int64(Int32.max) else {
                return "must be a string or a positive 32-bit integer row id"
            }
            v = v * 10 + Int64(c - 0x30)
        }
        return v >= 1 && v <= Int64(Int32.max) ? nil : "must be a string or a positive 32-bit integer row id"
    }
}
