import Foundation

/// A redaction rule of the user's (`SLUICE_REDACT_RULES`): a name and a regular expression,
/// matched against the text of each JSON string as stored (escaped).
///
/// The rules file is a JSON array: `[{"name": "internal-host", "pattern": "[a-z0-9-]+\\.corp\\.example"}]`.
/// A match that would cut an escape sequence in two (`\n`, `\"`) is left alone, so that the
/// result stays valid JSON.
public struct CustomRedactionRule: Sendable {
    public let name: String
    public let pattern: String
    private let expression: NSRegularExpression

    /// Why a rules file cannot be used.
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public init(name: String, pattern: String) throws(Invalid) {
        guard !name.isEmpty, name.utf8.allSatisfy({ SecretRule.isTokenChar($0) }) else {
            throw Invalid(description: "redaction rule name \"\(name)\": use letters, digits, '-' and '_' only")
        }
        do {
            expression = try NSRegularExpression(pattern: pattern)
        } catch {
            throw Invalid(description: "redaction rule \(name): \"\(pattern)\" is not a valid regular expression (ICU syntax)")
        }
        self.name = name
        self.pattern = pattern
    }

    /// Reads a rules file.
    public static func load(_ path: String) throws(Invalid) -> [CustomRedactionRule] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(description: "cannot read the redaction rules file \(path)")
        }
        guard let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Invalid(description: "\(path): expected a JSON array of {\"name\": …, \"pattern\": …} objects")
        }
        var rules: [CustomRedactionRule] = []
        for (i, entry) in list.enumerated() {
            guard let name = entry["name"] as? String, let pattern = entry["pattern"] as? String else {
                throw Invalid(description: "\(path): rule \(i) needs a string \"name\" and a string \"pattern\"")
            }
            rules.append(try CustomRedactionRule(name: name, pattern: pattern))
        }
        return rules
    }

    /// `text` (a JSON string's contents) with every safe match replaced, and how many; nil if none.
    func apply(to text: [UInt8]) -> (bytes: [UInt8], count: Int)? {
        let string = String(decoding: text, as: UTF8.self)
        let matches = expression.matches(in: string, range: NSRange(string.startIndex..., in: string))
        guard !matches.isEmpty else { return nil }
        var out: [UInt8] = []
        var copied = string.utf8.startIndex
        var count = 0
        for m in matches {
            guard let r = Range(m.range, in: string), !r.isEmpty else { continue }
            let lower = r.lowerBound.samePosition(in: string.utf8) ?? r.lowerBound
            let upper = r.upperBound.samePosition(in: string.utf8) ?? r.upperBound
            guard Self.outsideEscapes(string.utf8, lower, upper) else { continue }
            out.append(contentsOf: string.utf8[copied..<lower])
            out.append(contentsOf: Redactor.marker(name))
            copied = upper
            count += 1
        }
        guard count > 0 else { return nil }
        out.append(contentsOf: string.utf8[copied...])
        return (out, count)
    }

    /// Whether `lower..<upper` neither starts inside an escape nor ends with half of one.
    static func outsideEscapes(_ s: String.UTF8View, _ lower: String.Index, _ upper: String.Index) -> Bool {
        func oddBackslashesBefore(_ i: String.Index) -> Bool {
            var n = 0
            var k = i
            while k > s.startIndex {
                let p = s.index(before: k)
                guard s[p] == UInt8(ascii: "\\") else { break }
                n += 1
                k = p
            }
            return n % 2 == 1
        }
        if oddBackslashesBefore(lower) || oddBackslashesBefore(upper) { return false }
        // Not in the middle of a `\uXXXX` that starts before the match.
        var back = lower
        for _ in 0..<5 {
            guard back > s.startIndex else { break }
            back = s.index(before: back)
            if s[back] == UInt8(ascii: "\\") && !oddBackslashesBefore(back) {
                let next = s.index(after: back)
                if s[next] == UInt8(ascii: "u") && s.distance(from: back, to: lower) < 6 { return false }
                break
            }
        }
        // An escape inside the match must not run past its end (`\u00e9` cut after `\u00`).
        var k = lower
        while k < upper {
            if s[k] == UInt8(ascii: "\\") {
                let next = s.index(after: k)
                let length = next < s.endIndex && s[next] == UInt8(ascii: "u") ? 6 : 2
                guard s.distance(from: k, to: upper) >= length else { return false }
                k = s.index(k, offsetBy: length)
            } else {
                k = s.index(after: k)
            }
        }
        return true
    }
}
