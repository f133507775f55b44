/// One kind of credential that redaction replaces, and how it is found in the text of a JSON
/// string (still escaped, as stored). Pure byte matching: no regular expressions on the hot path.
///
/// A rule finds the bytes to replace, which may be less than what it recognizes: for
/// `password=hunter2` only `hunter2`, for `postgres://u:pw@host` only `pw`.
public struct SecretRule: Sendable {
    /// The marker's name: `[REDACTED:<name>]`.
    public var name: String
    let find: @Sendable (_ text: UnsafeBufferPointer<UInt8>, _ at: Int) -> Range<Int>?
    /// What a match begins with: one of these (two bytes or more), in any case when
    /// `ignoringCase`. The scan calls `find` only where the text begins with the first two bytes
    /// of one of them.
    let leads: [[UInt8]]
    let ignoringCase: Bool
    /// Rules that recognize a credential by its context (`password=`, `Authorization:`) run after
    /// those that recognize it by its shape, so that `GH_TOKEN=ghp_…` is named `github-token`.
    let contextual: Bool
    /// Whether a match starts only where a word starts (``atBoundary(_:_:)``): the scan skips
    /// such rules inside words without calling them, which is most of the text.
    let atWordStart: Bool

    init(name: String, leads: [String], ignoringCase: Bool = false, contextual: Bool = false, atWordStart: Bool = true,
         find: @escaping @Sendable (UnsafeBufferPointer<UInt8>, Int) -> Range<Int>?) {
        precondition(leads.allSatisfy { $0.utf8.count >= 2 }, "a rule's leads are two bytes or more")
        self.name = name
        self.leads = leads.map { Array($0.utf8) }
        self.ignoringCase = ignoringCase
        self.contextual = contextual
        self.atWordStart = atWordStart
        self.find = find
    }

    /// The first two bytes a match may begin with, in every case the rule accepts.
    var leadPairs: [(UInt8, UInt8)] {
        func cases(_ c: UInt8) -> [UInt8] {
            guard ignoringCase else { return [c] }
            return Self.isLower(c) ? [c, c - 0x20] : Self.isUpper(c) ? [c, c | 0x20] : [c]
        }
        return leads.flatMap { lead in cases(lead[0]).flatMap { a in cases(lead[1]).map { b in (a, b) } } }
    }
}

extension SecretRule {
    /// The built-in rules, in the order they are tried at each position.
    public static let builtIn: [SecretRule] = [
        .privateKeyBlock,
        token("aws-access-key", prefixes: ["AKIA", "ASIA", "ABIA", "ACCA"], body: isUpperAlnum, length: 16...16),
        token("github-token", prefixes: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], body: isAlnum, length: 36...255),
        token("github-token", prefixes: ["github_pat_"], body: isWord, length: 22...255),
        token("gitlab-token", prefixes: ["glpat-", "gldt-", "glrt-"], body: isTokenChar, length: 20...255),
        token("anthropic-key", prefixes: ["sk-ant-"], body: isTokenChar, length: 32...255),
        token("openai-key", prefixes: ["sk-proj-", "sk-svcacct-", "sk-admin-"], body: isTokenChar, length: 20...255),
        token("openai-key", prefixes: ["sk-"], body: isAlnum, length: 32...255),
        token("slack-token", prefixes: ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-"], body: isTokenChar, length: 10...255),
        token("slack-webhook", prefixes: ["hooks.slack.com/services/"], body: { isAlnum($0) || $0 == UInt8(ascii: "/") }, length: 20...255),
        .jwt,
        .connectionStringPassword,
        .authorizationHeader,
        assignment("password-assignment", keywords: ["password", "passwd", "pwd"], minimum: 3),
        assignment("token-assignment", keywords: [
            "token", "secret", "api_key", "apikey", "api-key", "x-api-key", "access_token", "auth_token", "refresh_token",
            "client_secret", "secret_key", "secret_access_key", "aws_secret_access_key", "private_key",
        ], minimum: 8),
    ]

    // MARK: character classes and words

    static let redactedPrefix = Array("[REDACTED:".utf8)
    static let jwtPart = Array("eyJ".utf8)
    static let schemeSeparator = Array("://".utf8)
    static let authorization = Array("authorization".utf8)
    static let pemBegin = Array("-----BEGIN ".utf8), pemEnd = Array("-----END ".utf8), pemDashes = Array("-----".utf8)
    static let pemMarker = Array("PRIVATE KEY-----".utf8)

    @inline(__always) static func isUpper(_ c: UInt8) -> Bool { c &- 0x41 < 26 }
    @inline(__always) static func isLower(_ c: UInt8) -> Bool { c &- 0x61 < 26 }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool { isUpper(c) || isLower(c) || isDigit(c) }
    @inline(__always) static func isUpperAlnum(_ c: UInt8) -> Bool { isUpper(c) || isDigit(c) }
    @inline(__always) static func isWord(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: "_") }
    @inline(__always) static func isTokenChar(_ c: UInt8) -> Bool { isWord(c) || c == UInt8(ascii: "-") }
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
    @inline(__always) static func lower(_ c: UInt8) -> UInt8 { isUpper(c) ? c | 0x20 : c }

    /// Whether a match may start at `i`: the byte before is not a letter or digit, or is the
    /// letter of an escape (`\n`, `\t`) rather than text.
    @inline(__always) static func atBoundary(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        i == 0 || !isAlnum(t[i - 1]) || (i >= 2 && t[i - 2] == UInt8(ascii: "\\"))
    }

    @inline(__always) static func hasPrefix(_ t: UnsafeBufferPointer<UInt8>, _ i: Int, _ p: [UInt8], caseInsensitive: Bool = false) -> Bool {
        guard i + p.count <= t.count else { return false }
        for k in 0..<p.count where (caseInsensitive ? lower(t[i + k]) : t[i + k]) != p[k] { return false }
        return true
    }

    /// A fixed prefix and a run of `body` bytes whose length is in `length`, standing alone.
    static func token(_ name: String, prefixes: [String], body: @escaping @Sendable (UInt8) -> Bool, length: ClosedRange<Int>) -> SecretRule {
        let prefixes = prefixes.map { Array($0.utf8) }
        return SecretRule(name: name, leads: prefixes.map { String(decoding: $0, as: UTF8.self) }) { t, i in
            guard atBoundary(t, i), let p = prefixes.first(where: { hasPrefix(t, i, $0) }) else { return nil }
            var j = i + p.count
            while j < t.count && body(t[j]) { j += 1 }
            let n = j - i - p.count
            guard length.contains(n), j == t.count || !isAlnum(t[j]) else { return nil }
            return i..<j
        }
    }

    /// `-----BEGIN … PRIVATE KEY-----` through its `-----END … PRIVATE KEY-----`, line breaks and all.
    static let privateKeyBlock = SecretRule(name: "private-key", leads: ["-----BEGIN "], atWordStart: false) { t, i in
        let (begin, end, dashes, marker) = (pemBegin, pemEnd, pemDashes, pemMarker)
        guard hasPrefix(t, i, begin) else { return nil }
        var j = i + begin.count
        let limit = min(t.count, j + 40)
        while j < limit && !hasPrefix(t, j, marker) { j += 1 }
        guard j < limit else { return nil }
        j += marker.count
        while j < t.count && !hasPrefix(t, j, end) { j += 1 }
        guard j < t.count else { return nil }
        j += end.count
        while j < t.count && !hasPrefix(t, j, dashes) { j += 1 }
        guard j < t.count else { return nil }
        return i..<(j + dashes.count)
    }

    /// Three base64url parts, the first two JSON objects (`eyJ`), joined by dots.
    static let jwt = SecretRule(name: "jwt", leads: ["eyJ"]) { t, i in
        guard atBoundary(t, i) else { return nil }
        var j = i
        for part in 0..<3 {
            if part < 2 && !hasPrefix(t, j, jwtPart) { return nil }
            let start = j
            while j < t.count && (isTokenChar(t[j])) { j += 1 }
            guard j - start >= 8 else { return nil }
            if part < 2 {
                guard j < t.count && t[j] == UInt8(ascii: ".") else { return nil }
                j += 1
            }
        }
        return i..<j
    }

    /// The password of `scheme://user:password@host`.
    static let connectionStringPassword = SecretRule(name: "connection-string-password", leads: ["://"], atWordStart: false) { t, i in
        guard hasPrefix(t, i, schemeSeparator), i > 0, isAlnum(t[i - 1]) else { return nil }
        func stops(_ c: UInt8) -> Bool {
            c == UInt8(ascii: "/") || c == UInt8(ascii: "@") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || isSpace(c)
        }
        var j = i + 3
        let user = j
        while j < t.count && !stops(t[j]) && t[j] != UInt8(ascii: ":") { j += 1 }
        guard j > user, j < t.count, t[j] == UInt8(ascii: ":"), !hasPrefix(t, user, redactedPrefix) else { return nil }
        j += 1
        let password = j
        while j < t.count && !stops(t[j]) { j += 1 }
        guard j > password, j < t.count, t[j] == UInt8(ascii: "@") else { return nil }
        return password..<j
    }

    /// The credentials of `Authorization: <scheme> <credentials>` (the scheme is kept).
    static let authorizationHeader = SecretRule(name: "authorization-header", leads: ["authorization"], ignoringCase: true, contextual: true) { t, i in
        let word = authorization
        guard atBoundary(t, i), hasPrefix(t, i, word, caseInsensitive: true) else { return nil }
        var j = i + word.count
        if j < t.count && t[j] == UInt8(ascii: "\\") && j + 1 < t.count && t[j + 1] == UInt8(ascii: "\"") { j += 2 }
        while j < t.count && isSpace(t[j]) { j += 1 }
        guard j < t.count, t[j] == UInt8(ascii: ":") || t[j] == UInt8(ascii: "=") else { return nil }
        j += 1
        while j < t.count && isSpace(t[j]) { j += 1 }
        if j + 1 < t.count && t[j] == UInt8(ascii: "\\") && t[j + 1] == UInt8(ascii: "\"") { j += 2 }
        // An optional scheme word (Bearer, Basic, token, …) followed by a space.
        var k = j
        while k < t.count && isAlnum(t[k]) { k += 1 }
        if k < t.count && k > j && isSpace(t[k]) { j = k + 1 }
        let start = j
        while j < t.count && !isSpace(t[j]) && t[j] != UInt8(ascii: "\"") && t[j] != UInt8(ascii: "\\") && t[j] != UInt8(ascii: ",") { j += 1 }
        return j - start >= 8 && !hasPrefix(t, start, redactedPrefix) ? start..<j : nil
    }

    /// The value of `keyword=value` or `keyword: value` (keyword case-insensitive, standing alone).
    static func assignment(_ name: String, keywords: [String], minimum: Int) -> SecretRule {
        let keywords = keywords.map { Array($0.utf8) }.sorted { $0.count > $1.count }
        return SecretRule(name: name, leads: keywords.map { String(decoding: $0, as: UTF8.self) }, ignoringCase: true, contextual: true) { t, i in
            guard atBoundary(t, i), let kw = keywords.first(where: { hasPrefix(t, i, $0, caseInsensitive: true) }) else { return nil }
            var j = i + kw.count
            guard j < t.count, !isTokenChar(t[j]) else { return nil }
            // `"password": "…"` inside a string (JSON within JSON text) and `password = …`.
            if t[j] == UInt8(ascii: "\\") && j + 1 < t.count && t[j + 1] == UInt8(ascii: "\"") { j += 2 }
            while j < t.count && isSpace(t[j]) { j += 1 }
            guard j < t.count, t[j] == UInt8(ascii: "=") || t[j] == UInt8(ascii: ":") else { return nil }
            j += 1
            while j < t.count && isSpace(t[j]) { j += 1 }
            if j < t.count && t[j] == UInt8(ascii: "'") { j += 1 }
            if j + 1 < t.count && t[j] == UInt8(ascii: "\\") && t[j + 1] == UInt8(ascii: "\"") { j += 2 }
            let start = j
            while j < t.count {
                let c = t[j]
                if isSpace(c) || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "\\")
                    || c == UInt8(ascii: "&") || c == UInt8(ascii: ",") || c == UInt8(ascii: ";") { break }
                j += 1
            }
            guard j - start >= minimum, !hasPrefix(t, start, redactedPrefix) else { return nil }
            return start..<j
        }
    }
}
