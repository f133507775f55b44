import Foundation

/// Connection strings for other databases of the same server.
enum ConnectionString {
    /// `url` with its database replaced by `database`.
    ///
    /// A `postgres://` or `postgresql://` URI gets a new path (and loses any `dbname` query
    /// parameter); a libpq keyword/value string (`host=/run port=5432 dbname=sluice`, as the
    /// embedded cluster's) gets a new `dbname`.
    static func replacingDatabase(in url: String, with database: String) -> String {
        for scheme in ["postgresql://", "postgres://"] where url.hasPrefix(scheme) {
            return replacingPath(url, scheme: scheme, database: database)
        }
        return replacingKeyword(url, database: database)
    }

    private static func replacingPath(_ url: String, scheme: String, database: String) -> String {
        let rest = url.dropFirst(scheme.count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let tail = rest[authorityEnd...]
        var query = ""
        if let q = tail.firstIndex(of: "?") {
            let kept = tail[tail.index(after: q)...].split(separator: "&").filter { !$0.hasPrefix("dbname=") }
            if !kept.isEmpty { query = "?" + kept.joined(separator: "&") }
        }
        let path = database.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? database
        return "\(scheme)\(authority)/\(path)\(query)"
    }

    private static func replacingKeyword(_ conninfo: String, database: String) -> String {
        let quoted = "'" + database.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        guard let pairs = keywordPairs(conninfo) else {
            // Unparseable here; libpq takes the last of repeated keywords.
            return "\(conninfo) dbname=\(quoted)"
        }
        return (pairs.filter { $0.key != "dbname" }.map(\.text) + ["dbname=\(quoted)"]).joined(separator: " ")
    }

    /// The `key=value` pairs of a keyword/value string, each with its original text.
    private static func keywordPairs(_ s: String) -> [(key: String, text: Substring)]? {
        var out: [(key: String, text: Substring)] = []
        var i = s.startIndex
        func skipSpaces() { while i < s.endIndex, s[i].isWhitespace { i = s.index(after: i) } }
        while true {
            skipSpaces()
            guard i < s.endIndex else { return out }
            let start = i
            while i < s.endIndex, s[i] != "=", !s[i].isWhitespace { i = s.index(after: i) }
            let key = String(s[start..<i])
            skipSpaces()
            guard !key.isEmpty, i < s.endIndex, s[i] == "=" else { return nil }
            i = s.index(after: i)
            skipSpaces()
            if i < s.endIndex, s[i] == "'" {
                i = s.index(after: i)
                while i < s.endIndex, s[i] != "'" {
                    if s[i] == "\\" { i = s.index(after: i); guard i < s.endIndex else { return nil } }
                    i = s.index(after: i)
                }
                guard i < s.endIndex else { return nil }
                i = s.index(after: i)
            } else {
                while i < s.endIndex, !s[i].isWhitespace { i = s.index(after: i) }
            }
            out.append((key, s[start..<i]))
        }
    }
}
