import Foundation
import SluiceStore

/// The uncompressed content of an archive file: a PostgreSQL binary COPY stream of `agent_events`
/// rows whose header extension holds a JSON description of the stream.
///
/// Why binary COPY: on the same day of 105,987 events it is 28% smaller than NDJSON of the API's
/// event JSON and 22% smaller after LZ4; it is what PostgreSQL sends and receives with no
/// conversion on either side, so export and restore run at COPY speed; and PostgreSQL itself
/// skips the header extension, so a file loads with nothing but psql:
///
///     lz4 -dc part-0001.pgcopy.lz4 | psql -c "\copy agent_events (…columns…) from stdin (format binary)"
///
/// and `lz4 -dc part-0001.pgcopy.lz4 | head -c 2000` shows the JSON header: format, version,
/// columns with their types, row order, segment. See docs/archive-and-retention.md.
public enum ArchivePayload {
    /// The payload format's name and version, in the header.
    public static let format = "sluice-archive"
    public static let version = 1

    /// Columns of every row, in order, with their PostgreSQL types.
    public static let columns: [(name: String, type: String)] = [
        ("id", "uuid"), ("timestamp", "timestamptz"), ("event_type", "text"), ("agent_id", "text"),
        ("agent_version", "text"), ("session_id", "uuid"), ("project_id", "integer"), ("context", "jsonb"),
        ("data", "jsonb"), ("metrics", "jsonb"), ("parent_event_id", "uuid"), ("related_event_ids", "text[]"),
        ("tags", "text[]"), ("severity", "text"), ("ingest_xid", "xid8"),
    ]

    /// The row order inside a file.
    public static let order = ["project_id", "event_type", "session_id", "timestamp", "id"]

    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]
    static let trailer: [UInt8] = [0xFF, 0xFF]
    /// A COPY header with no extension (what a restore batch sends).
    static let plainHeader: [UInt8] = signature + [0, 0, 0, 0] + [0, 0, 0, 0]

    /// What the header extension says.
    public struct Header: Codable, Sendable, Equatable {
        public var format: String
        public var version: Int
        public var table: String
        public var columns: [Column]
        public var order: [String]
        public var segment: String
        public var part: Int
        public var note: String

        public struct Column: Codable, Sendable, Equatable {
            public var name: String
            public var type: String
        }

        public init(segment: String, part: Int) {
            format = ArchivePayload.format
            version = ArchivePayload.version
            table = "agent_events"
            columns = ArchivePayload.columns.map { Column(name: $0.name, type: $0.type) }
            order = ArchivePayload.order
            self.segment = segment
            self.part = part
            note = "PostgreSQL binary COPY (https://www.postgresql.org/docs/current/sql-copy.html); "
                + "this JSON is its header extension, which COPY FROM skips"
        }
    }

    /// The COPY header carrying `header` as its extension (JSON followed by a newline).
    public static func encodeHeader(_ header: Header) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json: [UInt8] = ((try? encoder.encode(header)).map { [UInt8]($0) } ?? []) + [0x0A]
        var out = signature + [0, 0, 0, 0]
        let n = UInt32(json.count)
        out += [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
        return out + json
    }

    /// The PostgreSQL column list of a restore (`"timestamp"` quoted).
    static var columnList: [String] { columns.map { $0.name == "timestamp" ? "\"timestamp\"" : $0.name } }
}

/// Walks a binary COPY stream delivered in arbitrary chunks: validates the header, hands over each
/// complete row, counts rows and tracks the smallest and largest event time.
///
/// Pure; no I/O. Export feeds it what PostgreSQL sends, verify and restore what LZ4 decodes.
public struct CopyStreamScanner {
    public enum State: Sendable, Equatable { case header, rows, done }

    public private(set) var state = State.header
    /// The header extension's bytes (empty for PostgreSQL's own streams).
    public private(set) var headerExtension: [UInt8] = []
    public private(set) var rows = 0
    /// Event times, in microseconds since 2000-01-01 UTC (PostgreSQL's epoch).
    public private(set) var minTime: Int64?
    public private(set) var maxTime: Int64?
    private var carry: [UInt8] = []
    private let fieldCount: Int
    private let timeField: Int

    /// - Parameters:
    ///   - fieldCount: fields every row must have.
    ///   - timeField: the index of the `timestamptz` field to track.
    public init(fieldCount: Int = ArchivePayload.columns.count, timeField: Int = 1) {
        self.fieldCount = fieldCount
        self.timeField = timeField
    }

    /// Consumes `chunk`; calls `row` with the bytes of each complete row (field count included).
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, row: (UnsafeRawBufferPointer) throws -> Void) throws {
        if carry.isEmpty {
            let used = try parse(chunk, row: row)
            if used < chunk.count { carry.append(contentsOf: chunk[used...]) }
        } else {
            carry.append(contentsOf: chunk)
            let pending = carry
            carry = []
            let used = try pending.withUnsafeBytes { try parse($0, row: row) }
            if used < pending.count { carry = Array(pending[used...]) }
        }
    }

    /// Throws unless the stream ended with its trailer and nothing after it.
    public func finish() throws {
        guard state == .done, carry.isEmpty else {
            throw CopyStreamError("the COPY stream ends early (\(state == .done ? "bytes after the trailer" : "no trailer"))")
        }
    }

    private mutating func parse(_ b: UnsafeRawBufferPointer, row: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var at = 0
        if state == .header {
            guard b.count >= 19 else { return 0 }
            guard b.prefix(11).elementsEqual(ArchivePayload.signature) else { throw CopyStreamError("not a binary COPY stream (bad signature)") }
            let extLength = Int(Self.int32(b, 15))
            guard extLength >= 0 else { throw CopyStreamError("negative header extension length") }
            guard b.count >= 19 + extLength else { return 0 }
            headerExtension = Array(b[19..<(19 + extLength)])
            at = 19 + extLength
            state = .rows
        }
        while state == .rows {
            guard b.count - at >= 2 else { break }
            let n = Int(Int16(bitPattern: UInt16(b[at]) << 8 | UInt16(b[at + 1])))
            if n == -1 {
                at += 2
                state = .done
                break
            }
            guard n == fieldCount else { throw CopyStreamError("a row has \(n) fields; \(fieldCount) expected") }
            var p = at + 2
            var time: Int64?
            var complete = true
            for f in 0..<n {
                guard b.count - p >= 4 else { complete = false; break }
                let len = Int(Self.int32(b, p))
                p += 4
                if len < 0 { continue }
                guard b.count - p >= len else { complete = false; break }
                if f == timeField {
                    guard len == 8 else { throw CopyStreamError("the time field has \(len) bytes; 8 expected") }
                    time = Self.int64(b, p)
                }
                p += len
            }
            guard complete else { break }
            if let time {
                minTime = Swift.min(minTime ?? time, time)
                maxTime = Swift.max(maxTime ?? time, time)
            }
            rows += 1
            try row(UnsafeRawBufferPointer(rebasing: b[at..<p]))
            at = p
        }
        if state == .done && at < b.count { throw CopyStreamError("bytes after the COPY trailer") }
        return at
    }

    @inline(__always) private static func int32(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int32 {
        Int32(bitPattern: UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3]))
    }

    @inline(__always) private static func int64(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int64 {
        var v: UInt64 = 0
        for k in 0..<8 { v = v << 8 | UInt64(b[i + k]) }
        return Int64(bitPattern: v)
    }
}

/// A binary COPY stream that is not well formed.
public struct CopyStreamError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
