import Foundation
import OpenTelemetryProto

/// Typed access to OTLP attributes (a key appearing twice: the last one wins, as in JSON objects).
///
/// Exporters differ in how they type the same attribute (Claude Code sends token counts as
/// strings in some versions and as integers in others), so the accessors coerce: a number may
/// come as an int, a double or a numeric string; a boolean as a bool or `"true"`/`"false"`.
struct Attributes {
    let list: [KeyValue]
    private let index: [String: Int]

    init(_ list: [KeyValue]) {
        self.list = list
        var index: [String: Int] = [:]
        for (i, kv) in list.enumerated() { index[kv.key] = i }
        self.index = index
    }

    subscript(key: String) -> AnyValue? {
        index[key].map { list[$0].value }
    }

    func string(_ key: String) -> String? {
        guard let v = self[key]?.value else { return nil }
        switch v {
        case .stringValue(let s): return s
        case .intValue(let i): return String(i)
        case .doubleValue(let d): return String(d)
        case .boolValue(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    /// A non-empty string value.
    func text(_ key: String) -> String? {
        guard let s = string(key), !s.isEmpty else { return nil }
        return s
    }

    func int(_ key: String) -> Int64? {
        guard let v = self[key]?.value else { return nil }
        switch v {
        case .intValue(let i): return i
        case .doubleValue(let d): return d == d.rounded() && abs(d) < 9.2e18 ? Int64(d) : nil
        case .stringValue(let s): return Int64(s.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    /// A number as JSON: integers stay integers, anything else numeric is a double.
    func number(_ key: String) -> JSONTree? {
        guard let v = self[key]?.value else { return nil }
        switch v {
        case .intValue(let i): return .int(i)
        case .doubleValue(let d): return d.isFinite ? .double(d) : nil
        case .stringValue(let s):
            let t = s.trimmingCharacters(in: .whitespaces)
            if let i = Int64(t) { return .int(i) }
            if let d = Double(t), d.isFinite { return .double(d) }
            return nil
        default: return nil
        }
    }

    func bool(_ key: String) -> Bool? {
        guard let v = self[key]?.value else { return nil }
        switch v {
        case .boolValue(let b): return b
        case .stringValue(let s):
            switch s.lowercased() {
            case "true": return true
            case "false": return false
            default: return nil
            }
        case .intValue(let i): return i != 0
        default: return nil
        }
    }

    /// Every attribute as a JSON object, values typed as sent.
    var json: JSONTree {
        .object(list.map { ($0.key, $0.value.json) })
    }
}

extension AnyValue {
    /// The value as JSON: kvlists become objects, bytes base64 strings (as in OTLP/JSON), an
    /// unset value null.
    var json: JSONTree {
        switch value {
        case nil: .null
        case .stringValue(let s): .string(s)
        case .boolValue(let b): .bool(b)
        case .intValue(let i): .int(i)
        case .doubleValue(let d): .double(d)
        case .arrayValue(let a): .array(a.values.map(\.json))
        case .kvlistValue(let kv): .object(kv.values.map { ($0.key, $0.value.json) })
        case .bytesValue(let b): .string(b.base64EncodedString())
        case .stringValueStrindex(let i): .int(Int64(i))
        }
    }
}
