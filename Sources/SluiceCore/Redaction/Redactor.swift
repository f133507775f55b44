#if canImport(Glibc)
import Glibc
#endif

/// Replaces credentials in an event's `data` and `context` with `[REDACTED:<rule>]` before the
/// event is stored (chat messages are folded from `data`, so they are covered too).
///
/// Works on the JSON text as stored: only the contents of string values change, and only to
/// bytes that need no escaping, so the result is valid JSON by construction and the same input
/// always gives the same output (ids, timestamps and dedup are untouched; redacting twice
/// changes nothing more). Keys are kept; the string value of a key that names a credential
/// (`password`, `apiKey`, `client_secret`, …) is replaced whatever it holds.
public struct Redactor: Sendable {
    public let rules: [SecretRule]
    public let custom: [CustomRedactionRule]
    /// For each pass (shape rules, then contextual rules) and each byte, the indices of the
    /// rules a match may start with.
    private let startTables: [[[Int]]]
    /// For each byte, whether a rule of either pass may start there: ``anywhere`` for a rule
    /// that may start inside a word, ``atWordStart`` for one that starts only where a word does.
    /// The scan looks a byte up here before it looks at any rule (most bytes start none).
    private let startFlags: [UInt8]
    private static let anywhere: UInt8 = 1, atWordStart: UInt8 = 2
    /// A bit per pair of bytes a rule's match may begin with (``SecretRule/leadPairs``): the
    /// second look, before any rule is called.
    private let leadPairs: [UInt64]

    /// Built-in rules plus `custom`; ``disabled`` keeps everything.
    public init(rules: [SecretRule] = SecretRule.builtIn, custom: [CustomRedactionRule] = []) {
        self.rules = rules
        self.custom = custom
        startTables = [false, true].map { contextual in
            var table = [[Int]](repeating: [], count: 256)
            for (index, rule) in rules.enumerated() where rule.contextual == contextual {
                for b in Set(rule.leadPairs.map(\.0)) { table[Int(b)].append(index) }
            }
            return table
        }
        var flags = [UInt8](repeating: 0, count: 256)
        var pairs = [UInt64](repeating: 0, count: 65_536 / 64)
        for rule in rules {
            for (a, b) in rule.leadPairs {
                flags[Int(a)] |= rule.atWordStart ? Self.atWordStart : Self.anywhere
                let bit = Int(a) << 8 | Int(b)
                pairs[bit >> 6] |= 1 << UInt64(bit & 63)
            }
        }
        startFlags = flags
        leadPairs = pairs
    }

    /// Redaction off (`SLUICE_REDACT=off`).
    public static let disabled = Redactor(rules: [], custom: [])

    public var isEnabled: Bool { !rules.isEmpty || !custom.isEmpty }

    /// The name of the marker put in place of the value of a key that names a credential.
    public static let credentialField = "credential-field"

    /// Redacts `event.data` and `event.context`, adding one to `counts[rule]` per replacement.
    public func redact(_ event: inout AgentEvent, counts: inout [String: Int]) {
        guard isEnabled else { return }
        if let data = redact(event.data, counts: &counts) { event.data = data }
        if let context = redact(event.context, counts: &counts) { event.context = context }
    }

    /// `json` with its secrets replaced, or nil when it holds none.
    public func redact(_ json: JSONText, counts: inout [String: Int]) -> JSONText? {
        guard isEnabled else { return nil }
        return json.bytes.withUnsafeBufferPointer { b -> JSONText? in
            var out: [UInt8] = []
            var copied = 0
            var valueOfCredentialKey = false
            var i = 0
            let n = b.count
            while i < n {
                let c = b[i]
                guard c == UInt8(ascii: "\"") else {
                    if c != UInt8(ascii: ":") && !Self.isWhitespace(c) { valueOfCredentialKey = false }
                    i += 1
                    continue
                }
                let start = i + 1
                let j = Self.closingQuote(b, from: start)
                var k = j + 1
                while k < n && Self.isWhitespace(b[k]) { k += 1 }
                if k < n && b[k] == UInt8(ascii: ":") {
                    valueOfCredentialKey = Self.namesCredential(UnsafeBufferPointer(rebasing: b[start..<j]))
                } else {
                    let content = UnsafeBufferPointer(rebasing: b[start..<j])
                    let replacement: [UInt8]?
                    if valueOfCredentialKey && !content.isEmpty && !SecretRule.hasPrefix(content, 0, SecretRule.redactedPrefix) {
                        counts[Self.credentialField, default: 0] += 1
                        replacement = Self.marker(Self.credentialField)
                    } else {
                        replacement = redactContent(content, counts: &counts)
                    }
                    if let replacement {
                        if out.isEmpty { out.reserveCapacity(n) }
                        out.append(contentsOf: b[copied..<start])
                        out.append(contentsOf: replacement)
                        copied = j
                    }
                    valueOfCredentialKey = false
                }
                i = j + 1
            }
            guard copied > 0 else { return nil }
            out.append(contentsOf: b[copied..<n])
            return JSONText(validated: out)
        }
    }

    /// The index of the quote that ends the string whose contents begin at `start` (the text is
    /// valid JSON: there is one): memchr to each quote, skipping those an odd run of backslashes
    /// escapes.
    @inline(__always) static func closingQuote(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let base = b.baseAddress!
        var j = start
        while true {
            let found = memchr(base + j, Int32(UInt8(ascii: "\"")), b.count - j)!
            j = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var k = j - 1
            while k >= start && b[k] == UInt8(ascii: "\\") { k -= 1 }
            if (j - 1 - k) % 2 == 0 { return j }
            j += 1
        }
    }

    /// The contents of one string with its secrets replaced, or nil when it holds none.
    /// - Parameter screened: skip the passes when one scan finds that no rule can match (false
    ///   only for tests that check the scan against the passes).
    func redactContent(_ content: UnsafeBufferPointer<UInt8>, counts: inout [String: Int], screened: Bool = true) -> [UInt8]? {
        // Most strings hold no secret: one scan tells, and only a string that may hold one takes
        // the passes below.
        if screened && custom.isEmpty && !mayHoldSecret(content) { return nil }
        // `\/` is `/` written another way (Foundation writes it so): matched as `/`, and written
        // so if something is replaced.
        let unescaped = Self.withoutEscapedSlashes(content)
        var text: [UInt8]? = nil
        for table in startTables {
            let replaced: [UInt8]? = if let current = text ?? unescaped {
                current.withUnsafeBufferPointer { pass(table, $0, counts: &counts) }
            } else {
                pass(table, content, counts: &counts)
            }
            if let replaced { text = replaced }
        }
        for rule in custom {
            let current = text ?? unescaped ?? Array(content)
            if let replaced = rule.apply(to: current) {
                text = replaced.bytes
                counts[rule.name, default: 0] += replaced.count
            }
        }
        return text
    }

    /// Whether a rule of either pass matches somewhere in `t` as it is, or `t` has a `\/`
    /// escape (the rules see it as `/`). False means the passes would replace nothing: the
    /// second pass sees the same text as the first when the first replaced nothing.
    private func mayHoldSecret(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard t.count >= 2 else { return false }
        return startFlags.withUnsafeBufferPointer { flags in leadPairs.withUnsafeBufferPointer { pairs in
            var i = 0
            // Every lead is two bytes or more: a match cannot begin at the last byte.
            while i + 1 < t.count {
                let c = t[i], next = t[i + 1]
                if c == UInt8(ascii: "\\") && next == UInt8(ascii: "/") { return true }
                let f = flags[Int(c)]
                let pair = Int(c) << 8 | Int(next)
                if f != 0 && pairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0
                    && (f & Self.anywhere != 0 || SecretRule.atBoundary(t, i)) {
                    for table in startTables {
                        for index in table[Int(c)] where !rules[index].atWordStart || SecretRule.atBoundary(t, i) {
                            if rules[index].find(t, i) != nil { return true }
                        }
                    }
                }
                i += 1
            }
            return false
        } }
    }

    /// One left-to-right pass of the rules in `table`; nil when nothing matched.
    private func pass(_ table: [[Int]], _ t: UnsafeBufferPointer<UInt8>, counts: inout [String: Int]) -> [UInt8]? {
        var out: [UInt8]? = nil
        var copied = 0
        var i = 0
        scan: while i < t.count {
            let candidates = table[Int(t[i])]
            if !candidates.isEmpty {
                let wordStart = SecretRule.atBoundary(t, i)
                for index in candidates {
                    if rules[index].atWordStart && !wordStart { continue }
                    guard let r = rules[index].find(t, i) else { continue }
                    if out == nil { out = []; out!.reserveCapacity(t.count) }
                    out!.append(contentsOf: t[copied..<r.lowerBound])
                    out!.append(contentsOf: Self.marker(rules[index].name))
                    counts[rules[index].name, default: 0] += 1
                    copied = r.upperBound
                    i = max(r.upperBound, i + 1)
                    continue scan
                }
            }
            i += 1
        }
        guard var result = out else { return nil }
        result.append(contentsOf: t[copied...])
        return result
    }

    /// `t` with each `\/` escape written as `/`; nil when it has none.
    static func withoutEscapedSlashes(_ t: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var i = 0
        var found = false
        while i < t.count {
            if t[i] == UInt8(ascii: "\\") {
                if i + 1 < t.count && t[i + 1] == UInt8(ascii: "/") { found = true; break }
                i += 2
            } else {
                i += 1
            }
        }
        guard found else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        i = 0
        while i < t.count {
            if t[i] == UInt8(ascii: "\\") && i + 1 < t.count {
                if t[i + 1] != UInt8(ascii: "/") { out.append(t[i]) }
                out.append(t[i + 1])
                i += 2
            } else {
                out.append(t[i])
                i += 1
            }
        }
        return out
    }

    static func marker(_ name: String) -> [UInt8] { Array("[REDACTED:\(name)]".utf8) }

    @inline(__always) static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    /// Keys whose string values are credentials, compared in lower case without `_` and `-`.
    static let credentialKeys: Set<[UInt8]> = Set([
        "password", "passwd", "secret", "token", "apikey", "xapikey", "accesstoken", "refreshtoken", "idtoken", "authtoken",
        "sessiontoken", "clientsecret", "authorization", "awssecretaccesskey", "secretaccesskey", "privatekey", "secretkey",
    ].map { Array($0.utf8) })

    static let credentialKeyStarts: Set<UInt8> = Set(credentialKeys.map { $0[0] })

    static func namesCredential(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard key.count >= 5, key.count <= 24, credentialKeyStarts.contains(SecretRule.lower(key[0])) else { return false }
        var normalized = PackedKey()
        for c in key where c != UInt8(ascii: "_") && c != UInt8(ascii: "-") {
            guard normalized.append(SecretRule.lower(c)) else { return false }
        }
        return packedCredentialKeys.contains(normalized)
    }

    static let packedCredentialKeys: Set<PackedKey> = Set(credentialKeys.map { key in
        var packed = PackedKey()
        for c in key { precondition(packed.append(c), "credential keys fit in \(PackedKey.capacity) bytes") }
        return packed
    })

    /// Up to 24 bytes of a key packed in three words: a set lookup with nothing allocated.
    struct PackedKey: Hashable {
        static let capacity = 24
        private var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        private var count = 0

        /// Appends `c`; false when the key is full.
        mutating func append(_ c: UInt8) -> Bool {
            guard count < Self.capacity else { return false }
            let shift = UInt64((count % 8) * 8), value = UInt64(c) << shift
            switch count / 8 {
            case 0: words.0 |= value
            case 1: words.1 |= value
            default: words.2 |= value
            }
            count += 1
            return true
        }

        static func == (a: PackedKey, b: PackedKey) -> Bool {
            a.count == b.count && a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(count)
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
        }
    }
}
