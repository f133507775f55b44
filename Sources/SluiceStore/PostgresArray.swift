/// PostgreSQL array literals, for passing many values as one parameter (`unnest($1::text[])`).
public enum PostgresArray {
    /// `{"a","b\"c",NULL}`: every element quoted, backslashes and quotes escaped.
    public static func literal(_ values: [String?]) -> String {
        var out = "{"
        out.reserveCapacity(values.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (i, v) in values.enumerated() {
            if i > 0 { out += "," }
            guard let v else { out += "NULL"; continue }
            out += "\""
            for ch in v.unicodeScalars {
                if ch == "\"" || ch == "\\" { out += "\\" }
                out.unicodeScalars.append(ch)
            }
            out += "\""
        }
        return out + "}"
    }
}
