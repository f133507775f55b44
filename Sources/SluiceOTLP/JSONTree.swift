import Foundation
import OpenTelemetryProto
import SluiceCore

/// A JSON value built while mapping OTLP data: objects keep their key order, integers stay exact.
enum JSONTree: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONTree])
    case object([(String, JSONTree)])

    static func == (a: JSONTree, b: JSONTree) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// Compact JSON text. Non-finite doubles become the strings `"NaN"`, `"Infinity"` and
    /// `"-Infinity"`, as in the protobuf JSON mapping (JSON has no such numbers).
    func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out += Array(String(i).utf8)
        case .double(let d):
            if d.isNaN { out += Array("\"NaN\"".utf8) }
            else if d.isInfinite { out += Array((d < 0 ? "\"-Infinity\"" : "\"Infinity\"").utf8) }
            else if d == d.rounded(), abs(d) < 1e15 { out += Array(String(Int64(d)).utf8) }
            else { out += Array("\(d)".utf8) }
        case .string(let s): appendJSONString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendJSONString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    var text: String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Validated JSON text for an event column (no NUL, nesting within the scanner's limit).
    func validated() throws(JSONError) -> JSONText {
        try JSONText(text)
    }
}

/// An ordered JSON object under construction; `nil` values are left out.
struct JSONObjectBuilder {
    private(set) var members: [(String, JSONTree)] = []

    var isEmpty: Bool { members.isEmpty }

    mutating func set(_ key: String, _ value: JSONTree?) {
        guard let value else { return }
        members.append((key, value))
    }

    mutating func set(_ key: String, _ value: String?) {
        set(key, value.map(JSONTree.string))
    }

    var tree: JSONTree { .object(members) }
}
