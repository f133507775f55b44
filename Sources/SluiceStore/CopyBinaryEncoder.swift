import Foundation
import SluiceCore

/// Encodes events as rows of PostgreSQL's binary COPY format, for the columns in
/// ``CopyBinaryEncoder/columns``.
///
/// Pure and cheap to run concurrently: each request encodes its own rows, and the batcher only
/// concatenates them between ``header`` and ``trailer``. Binary COPY spares the server from
/// parsing timestamps, uuids and arrays; `sluice bench ingest` measures it against text
/// `psql \copy` (docs/benchmarks.md).
public struct CopyBinaryEncoder: Sendable {
    /// The columns of the event as it was posted: what an archive part holds (with `ingest_xid`).
    public static let logColumns = [
        "id", "\"timestamp\"", "event_type", "agent_id", "agent_version", "session_id", "project_id",
        "context", "data", "metrics", "parent_event_id", "related_event_ids", "tags", "severity",
    ]
    /// The fact columns, filled from ``EventFacts`` (all NULL, `facts` too, when it is nil).
    public static let factColumns = [
        "facts", "duration_ms", "tokens_in", "tokens_out", "tokens_cache_read", "tokens_cache_write", "cost_usd",
        "model", "tool_name", "tool_failure", "session_simple",
    ]
    /// The `agent_events` columns, in the order rows are encoded.
    public static let columns = logColumns + factColumns

    /// Signature, flags and header extension length.
    public static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// The file trailer: a field count of -1.
    public static let trailer: [UInt8] = [0xFF, 0xFF]

    private static let textOID: UInt32 = 25

    public private(set) var bytes: [UInt8] = []
    /// The offset in ``bytes`` just past each row, so that a batch can be cut between rows.
    public private(set) var rowEnds: [Int] = []
    public var rowCount: Int { rowEnds.count }

    /// Whether rows carry the fact columns (``columns``), or only ``logColumns``: the rows of an
    /// archive part, or of a database migrated before the fact columns.
    public let includesFacts: Bool

    public init(reservingCapacity: Int = 0, includesFacts: Bool = true) {
        self.includesFacts = includesFacts
        bytes.reserveCapacity(reservingCapacity)
    }

    /// Appends one row (no header, no trailer).
    public mutating func append(_ e: AgentEvent) {
        defer { rowEnds.append(bytes.count) }
        int16(Int16(includesFacts ? Self.columns.count : Self.logColumns.count))
        uuid(e.id)
        int32(8); int64(e.timestamp.postgresMicroseconds)
        text(e.eventType)
        text(e.agentId)
        text(e.agentVersion)
        uuid(e.sessionId)
        int32(4); int32(e.projectId)
        jsonb(e.context)
        jsonb(e.data)
        if let m = e.metrics { jsonb(m) } else { null() }
        if let p = e.parentEventId { uuid(p) } else { null() }
        textArray(e.relatedEventIds)
        textArray(e.tags)
        if let s = e.severity { text(s.rawValue) } else { null() }
        if includesFacts { facts(EventFacts(e)) }
    }

    /// The encoded bytes of `rows` (a range of row positions), without header or trailer.
    public func bytes(ofRows rows: Range<Int>) -> ArraySlice<UInt8> {
        guard !rows.isEmpty else { return [] }
        let start = rows.lowerBound == 0 ? 0 : rowEnds[rows.lowerBound - 1]
        return bytes[start..<rowEnds[rows.upperBound - 1]]
    }

    /// A complete COPY stream: header, the rows of every chunk, trailer.
    public static func stream(_ chunks: [CopyBinaryEncoder]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(header.count + trailer.count + chunks.reduce(0) { $0 + $1.bytes.count })
        out += header
        for c in chunks { out += c.bytes }
        out += trailer
        return out
    }

    /// The rows of a binary COPY stream by the `int4` value of field `column` (`project_id`),
    /// read back from the stream itself: it serves any stream, an archive part's as well as
    /// this encoder's. A stream that breaks off is counted up to the break (COPY refuses it).
    public static func rowsByProject(_ stream: [UInt8], column: Int) -> [Int32: Int] {
        var counts: [Int32: Int] = [:]
        stream.withUnsafeBytes { raw in
            func int32(at i: Int) -> Int32? {
                i + 4 <= raw.count ? Int32(bitPattern: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt32.self))) : nil
            }
            // The 11-byte signature and the flags, then the header extension's length.
            guard let extensionLength = int32(at: 15) else { return }
            var at = 19 + Int(extensionLength)
            while at + 2 <= raw.count {
                let fields = Int(Int16(bitPattern: UInt16(raw[at]) << 8 | UInt16(raw[at + 1])))
                at += 2
                guard fields > column else { return }  // -1: the trailer
                var project: Int32?
                for field in 0..<fields {
                    guard let length = int32(at: at) else { return }
                    at += 4
                    if field == column && length == 4 { project = int32(at: at) }
                    at += max(Int(length), 0)
                }
                guard at <= raw.count else { return }
                if let project { counts[project, default: 0] += 1 }
            }
        }
        return counts
    }

    // MARK: - Fields

    @inline(__always) private mutating func int16(_ v: Int16) {
        let u = UInt16(bitPattern: v)
        bytes.append(UInt8(u >> 8)); bytes.append(UInt8(u & 0xFF))
    }

    @inline(__always) private mutating func int32(_ v: Int32) {
        let u = UInt32(bitPattern: v)
        bytes.append(UInt8(u >> 24)); bytes.append(UInt8((u >> 16) & 0xFF))
        bytes.append(UInt8((u >> 8) & 0xFF)); bytes.append(UInt8(u & 0xFF))
    }

    @inline(__always) private mutating func int32(_ v: Int) { int32(Int32(v)) }

    @inline(__always) private mutating func int64(_ v: Int64) {
        let u = UInt64(bitPattern: v)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((u >> UInt64(shift)) & 0xFF)) }
    }

    private mutating func null() { int32(-1) }

    private mutating func uuid(_ u: UUID) {
        int32(16)
        withUnsafeBytes(of: u.uuid) { bytes.append(contentsOf: $0) }
    }

    private mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { b in
            int32(b.count)
            bytes.append(contentsOf: b)
        }
    }

    private mutating func jsonb(_ j: JSONText) {
        int32(j.bytes.count + 1)
        bytes.append(1)  // jsonb binary format version
        bytes.append(contentsOf: j.bytes)
    }

    private mutating func facts(_ f: EventFacts?) {
        guard let f else {
            for _ in Self.factColumns { null() }
            return
        }
        int32(2); int16(EventFacts.version)
        numeric(f.durationMs)
        numeric(f.tokensIn); numeric(f.tokensOut); numeric(f.tokensCacheRead); numeric(f.tokensCacheWrite)
        numeric(f.costUSD)
        text(f.model)
        if let t = f.toolName { text(t) } else { null() }
        bool(f.toolFailure)
        bool(f.sessionSimple)
    }

    private mutating func bool(_ b: Bool) {
        int32(1); bytes.append(b ? 1 : 0)
    }

    /// PostgreSQL's binary `numeric`: digit count, weight, sign, display scale, then base-10000
    /// digits from the most significant, without leading or trailing zero digits.
    private mutating func numeric(_ d: ExactDecimal?) {
        guard let d else { return null() }
        let n = NumericDigits(d)
        int32(8 + 2 * n.count)
        int16(Int16(n.count)); int16(n.weight); int16(d.significand < 0 ? 0x4000 : 0); int16(d.scale)
        for i in 0..<n.count { int16(n.digits[i]) }
    }

    private mutating func textArray(_ items: [String]) {
        if items.isEmpty {
            // An empty array (ndim 0), as PostgreSQL's '{}'.
            int32(12); int32(0); int32(0); int32(Int32(bitPattern: Self.textOID))
            return
        }
        let lengthAt = bytes.count
        int32(0)  // patched below
        int32(1); int32(0); int32(Int32(bitPattern: Self.textOID))
        int32(items.count); int32(1)
        for item in items { text(item) }
        let length = UInt32(bytes.count - lengthAt - 4)
        bytes[lengthAt] = UInt8(length >> 24); bytes[lengthAt + 1] = UInt8((length >> 16) & 0xFF)
        bytes[lengthAt + 2] = UInt8((length >> 8) & 0xFF); bytes[lengthAt + 3] = UInt8(length & 0xFF)
    }
}
