/// What a database migrated by this build holds: its versioned migrations and the checksum of each
/// of its definitions. `sluice doctor` and `GET /readyz` compare a database against it.
public struct SchemaExpectation: Sendable, Equatable {
    /// The versioned migrations, in the order `migrate` applies them.
    public var migrations: [String]
    /// The definitions, in the order `migrate` applies them.
    public var definitions: [String]
    /// Each definition's SHA-256 (hex), as `sluice_definitions` records it.
    public var checksums: [String: String]

    public init(migrations: [String], definitions: [String], checksums: [String: String]) {
        self.migrations = migrations
        self.definitions = definitions
        self.checksums = checksums
    }

    /// What `recorded` lacks: migrations never applied, definitions never applied or applied with
    /// other text.
    public func pending(in recorded: RecordedSchema) -> PendingSchema {
        PendingSchema(migrations: migrations.filter { !recorded.migrations.contains($0) },
                      definitions: definitions.filter { recorded.definitions[$0] != checksums[$0] })
    }
}

/// What a database records of its schema: `sluice_migrations` and `sluice_definitions`.
public struct RecordedSchema: Sendable, Equatable {
    public var migrations: Set<String>
    /// Definition name → the checksum of the text last applied.
    public var definitions: [String: String]

    public init(migrations: Set<String>, definitions: [String: String]) {
        self.migrations = migrations
        self.definitions = definitions
    }

    /// Reads both tables; a table that does not exist (a database never migrated, or migrated
    /// before definitions) records nothing.
    public static func read(on conn: PostgresConnection) throws(StoreError) -> RecordedSchema {
        let tables = try conn.execute("""
            SELECT to_regclass('sluice_migrations') IS NOT NULL, to_regclass('sluice_definitions') IS NOT NULL
            """).firstRow
        var recorded = RecordedSchema(migrations: [], definitions: [:])
        if try tables?.decode(Bool.self, at: 0) == true {
            for row in try conn.execute("SELECT name FROM sluice_migrations").decodedRows {
                recorded.migrations.insert(try row.decode(String.self, at: 0))
            }
        }
        if try tables?.decode(Bool.self, at: 1) == true {
            recorded.definitions = try readDefinitions(on: conn)
        }
        return recorded
    }

    /// `sluice_definitions`, which must exist.
    static func readDefinitions(on conn: PostgresConnection) throws(StoreError) -> [String: String] {
        var definitions: [String: String] = [:]
        for row in try conn.execute("SELECT name, checksum FROM sluice_definitions").decodedRows {
            definitions[try row.decode(String.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        return definitions
    }
}

/// What `sluice migrate` would apply to a database.
public struct PendingSchema: Sendable, Equatable {
    public var migrations: [String]
    public var definitions: [String]

    public init(migrations: [String], definitions: [String]) {
        self.migrations = migrations
        self.definitions = definitions
    }

    public var isEmpty: Bool { migrations.isEmpty && definitions.isEmpty }

    /// `migrations not applied: …; definitions not current: …; run `sluice migrate``, or nil when
    /// nothing is pending.
    public var advice: String? {
        guard !isEmpty else { return nil }
        var parts: [String] = []
        if !migrations.isEmpty { parts.append("migrations not applied: \(migrations.joined(separator: ", "))") }
        if !definitions.isEmpty { parts.append("definitions not current: \(definitions.joined(separator: ", "))") }
        return parts.joined(separator: "; ") + "; run `sluice migrate`"
    }
}
