import SluiceCore

/// A JSON value the generator writes: enough for agent events.
enum JSONScalar {
    case string(String)
    case int(Int)
    /// Already-formatted JSON (a decimal number such as a cost).
    case raw(String)
    case object([(String, JSONScalar)])
    case strings([String])
}

/// Appends compact JSON to a byte array.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func object(_ fields: [(String, JSONScalar)]) {
        bytes.append(UInt8(ascii: "{"))
        for (i, (key, value)) in fields.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            string(key)
            bytes.append(UInt8(ascii: ":"))
            write(value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func write(_ value: JSONScalar) {
        switch value {
        case .string(let s): string(s)
        case .int(let v): bytes.append(contentsOf: String(v).utf8)
        case .raw(let text): bytes.append(contentsOf: text.utf8)
        case .object(let fields): object(fields)
        case .strings(let items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(item)
            }
            bytes.append(UInt8(ascii: "]"))
        }
    }

    mutating func string(_ s: String) {
        appendJSONString(s, to: &bytes)
    }
}
