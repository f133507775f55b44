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
        bytes.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): bytes += [0x5C, 0x22]
            case UInt8(ascii: "\\"): bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
            case 0x09: bytes += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]]
            default: bytes.append(c)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
