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

    /// The value of `column` in the first row, nil without rows or for NULL; a value that is not
    /// a `T` throws.
    public func scalar<T: PostgresDecodable>(_ type: T.Type, column: Int = 0) throws(StoreError) -> T? {
        try firstRow?.decodeIfPresent(type, at: column)
    }
}
