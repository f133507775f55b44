/// Appends `s` as a JSON string literal: quotes, backslashes and control characters escaped. The
/// one JSON string escaper of Sluice. NUL becomes `\u0000` (which the event validator refuses:
/// PostgreSQL text cannot hold it), or U+FFFD with `replacingNUL` for JSON that skips validation.
public func appendJSONString(_ s: String, replacingNUL: Bool = false, to out: inout [UInt8]) {
    var s = s
    s.withUTF8 { appendJSONString(utf8: $0, replacingNUL: replacingNUL, to: &out) }
}

/// Appends the UTF-8 bytes `u` as a JSON string literal (see ``appendJSONString(_:replacingNUL:to:)``).
/// Unescaped runs are copied in one go.
public func appendJSONString(utf8 u: UnsafeBufferPointer<UInt8>, replacingNUL: Bool = false, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var runStart = 0
    var i = 0
    let n = u.count
    while i < n {
        let c = u[i]
        if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") { i += 1; continue }
        if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i])) }
        switch c {
        case UInt8(ascii: "\""): out += [0x5C, 0x22]
        case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
        case 0x0A: out += [0x5C, UInt8(ascii: "n")]
        case 0x0D: out += [0x5C, UInt8(ascii: "r")]
        case 0x09: out += [0x5C, UInt8(ascii: "t")]
        case 0 where replacingNUL: out += [0xEF, 0xBF, 0xBD]
        default: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)]]
        }
        i += 1
        runStart = i
    }
    if runStart < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<n])) }
    out.append(UInt8(ascii: "\""))
}

private let hexDigits = Array("0123456789abcdef".utf8)
