import Foundation
import SluiceCore

/// A type that a column of PostgreSQL's text format decodes to.
public protocol PostgresDecodable: Sendable {
    /// The value of `text` (never NULL), or nil when it is not one of these.
    init?(postgresText text: String)
    /// How errors name the type: `bigint`, `boolean`, …
    static var postgresTypeName: String { get }
}

extension Int: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
    public static var postgresTypeName: String { "bigint" }
}

extension Int32: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
    public static var postgresTypeName: String { "integer" }
}

extension Int64: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
    public static var postgresTypeName: String { "bigint" }
}

/// `xid8` (a transaction id, as `ingest_xid` and the projector's positions hold them).
extension UInt64: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
    public static var postgresTypeName: String { "xid8" }
}

extension Double: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
    public static var postgresTypeName: String { "double precision" }
}

extension Bool: PostgresDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "t": self = true
        case "f": self = false
        default: return nil
        }
    }
    public static var postgresTypeName: String { "boolean" }
}

extension String: PostgresDecodable {
    public init?(postgresText text: String) { self = text }
    public static var postgresTypeName: String { "text" }
}

/// `timestamptz` in PostgreSQL's ISO output (`2026-01-02 03:04:05.123456+00`, whatever the
/// session's time zone) or RFC 3339 (what `to_char(… AT TIME ZONE 'UTC', …)` writes). `infinity` is
/// not a ``Timestamp``.
extension Timestamp: PostgresDecodable {
    public init?(postgresText text: String) {
        if let t = Timestamp(rfc3339: text) { self = t; return }
        // ISO output writes a whole-hour offset as `+HH`, and one with seconds (local mean time
        // before 1900 and so on) as `+HH:MM:SS`.
        guard let sign = text.lastIndex(where: { $0 == "+" || $0 == "-" }) else { return nil }
        let offset = text[sign...]
        switch offset.count {
        case 3:
            self.init(rfc3339: text + ":00")
        case 9:
            guard let seconds = Int64(offset.suffix(2)), seconds < 60,
                  let t = Timestamp(rfc3339: String(text.dropLast(3))) else { return nil }
            let east = text[sign] == "+" ? Int64(1) : -1
            self.init(microsecondsSinceEpoch: t.microsecondsSinceEpoch - east * seconds * 1_000_000)
        default:
            return nil
        }
    }
    public static var postgresTypeName: String { "timestamptz" }
}

/// `json` or `jsonb`.
extension JSONValue: PostgresDecodable {
    public init?(postgresText text: String) { self.init(json: text) }
    public static var postgresTypeName: String { "json" }
}

/// `uuid` (PostgreSQL writes it in lower case; either case reads).
extension UUID: PostgresDecodable {
    public init?(postgresText text: String) { self.init(uuidString: text) }
    public static var postgresTypeName: String { "uuid" }
}

/// `jsonb` kept as its text, to be read field by field (``JSONText``) without building a tree.
extension JSONText: PostgresDecodable {
    public init?(postgresText text: String) { self.init(jsonbOutput: text) }
    public static var postgresTypeName: String { "jsonb" }
}

/// A mode recorded by the migrator (`sluice_mode()`).
extension DatabaseMode: PostgresDecodable {
    public init?(postgresText text: String) { self.init(rawValue: text) }
    public static var postgresTypeName: String { "sluice mode ('plain' or 'timescale')" }
}

/// One row of a ``QueryResult``, read column by column as the types the code expects: a value
/// that is not one throws ``StoreError/decoding(column:value:type:)`` instead of becoming 0.
public struct Row: Sendable {
    public var values: [String?]
    /// The result's column names, for errors.
    public var columns: [String]

    public init(values: [String?], columns: [String]) {
        self.values = values
        self.columns = columns
    }

    /// The value at `index`; NULL or a value that is not a `T` throws.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws(StoreError) -> T {
        guard let value = try decodeIfPresent(type, at: index) else { throw decodingError(T.self, at: index) }
        return value
    }

    /// The value at `index`, nil for NULL; a value that is not a `T` throws.
    public func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws(StoreError) -> T? {
        guard index < values.count else { throw decodingError(T.self, at: index) }
        guard let text = values[index] else { return nil }
        guard let value = T(postgresText: text) else { throw decodingError(T.self, at: index) }
        return value
    }

    private func decodingError<T: PostgresDecodable>(_ type: T.Type, at index: Int) -> StoreError {
        let name = index < columns.count ? columns[index] : "#\(index)"
        return .decoding(column: name, value: index < values.count ? values[index] : nil, type: T.postgresTypeName)
    }
}

extension QueryResult {
    /// The rows, for typed decoding.
    public var decodedRows: [Row] { rows.map { Row(values: $0, columns: columns) } }

    /// The first row, nil when there is none.
    public var firstRow: Row? { rows.first.map { Row(values: $0, columns: columns) } }

    /// The first row, for statements that always return one (an aggregate, `RETURNING` of an
    /// upsert); a result without rows throws.
    public func requireRow() throws(StoreError) -> Row {
        guard let row = firstRow else {
            throw .protocolViolation("no row where one was expected (columns \(columns.joined(separator: ", ")))")
        }
        return row
    }

    /// The value of `column` in the first row, nil without rows or for NULL; a value that is not
    /// a `T` throws.
    public func scalar<T: PostgresDecodable>(_ type: T.Type, column: Int = 0) throws(StoreError) -> T? {
        try firstRow?.decodeIfPresent(type, at: column)
    }

    /// The value of `column` in the first row; no row, NULL or a value that is not a `T` throws.
    public func value<T: PostgresDecodable>(_ type: T.Type, column: Int = 0) throws(StoreError) -> T {
        try requireRow().decode(type, at: column)
    }

    /// The values of `column` in every row, in order; NULL or a value that is not a `T` throws.
    public func column<T: PostgresDecodable>(_ type: T.Type, at index: Int = 0) throws(StoreError) -> [T] {
        try decodedRows.map { row throws(StoreError) in try row.decode(type, at: index) }
    }
}
