import Foundation
import SluiceCore
import SluiceStore

/// Encodes events as rows of PostgreSQL's text COPY in CSV form, for the columns in
/// ``CopyBinaryEncoder/columns``: the baseline that `psql \copy ... WITH (FORMAT csv)` loads.
/// The fact columns are filled as the writer fills them (``EventFacts``), so that the baseline
/// stores the same rows as the HTTP path.
///
/// NULL is an unquoted empty field; every non-NULL text value is quoted, so an empty string stays
/// distinct from NULL. `jsonb` goes as its JSON text, `text[]` as a `{"a","b"}` literal,
/// `timestamptz` as RFC 3339 in UTC.
struct CopyTextEncoder {
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func append(_ e: AgentEvent) {
        plain(e.id.lowercased); comma()
        plain(e.timestamp.rfc3339); comma()
        quoted(e.eventType.utf8); comma()
        quoted(e.agentId.utf8); comma()
        quoted(e.agentVersion.utf8); comma()
        plain(e.sessionId.lowercased); comma()
        plain(String(e.projectId)); comma()
        quoted(e.context.bytes); comma()
        quoted(e.data.bytes); comma()
        if let m = e.metrics { quoted(m.bytes) }
        comma()
        if let p = e.parentEventId { plain(p.lowercased) }
        comma()
        quoted(Self.arrayLiteral(e.relatedEventIds)); comma()
        quoted(Self.arrayLiteral(e.tags)); comma()
        if let s = e.severity { quoted(s.rawValue.utf8) }
        facts(EventFacts(e))
        bytes.append(0x0A)
    }

    private mutating func facts(_ f: EventFacts?) {
        guard let f else {
            for _ in CopyBinaryEncoder.factColumns { comma() }
            return
        }
        comma(); plain(String(EventFacts.version))
        for n in [f.durationMs, f.tokensIn, f.tokensOut, f.tokensCacheRead, f.tokensCacheWrite, f.costUSD] {
            comma()
            if let n { plain(n.description) }
        }
        comma(); quoted(f.model.utf8)
        comma(); if let t = f.toolName { quoted(t.utf8) }
        comma(); plain(f.toolFailure ? "t" : "f")
        comma(); plain(f.sessionSimple ? "t" : "f")
    }

    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    private mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    /// A value that never needs quoting (uuid, timestamp, integer).
    private mutating func plain(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// A CSV-quoted value: `"` doubled inside double quotes.
    private mutating func quoted(_ value: some Sequence<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        for c in value {
            if c == UInt8(ascii: "\"") { bytes.append(c) }
            bytes.append(c)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A `text[]` literal with every element double-quoted and `"` and `\` backslash-escaped.
    static func arrayLiteral(_ items: [String]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            for c in item.utf8 {
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(c)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
