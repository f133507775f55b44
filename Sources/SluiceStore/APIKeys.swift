/// An API key as stored: never the key itself, only its SHA-256.
public struct APIKey: Sendable, Hashable {
    public var id: Int32
    public var name: String
    public var prefix: String
    /// The project whose events the key may write and read; nil for an admin key.
    public var projectId: Int32?
    public var isAdmin: Bool
    /// The key's own ingest rate, in events a second, and burst; nil: the server's default.
    public var rateEventsPerSecond: Int32?
    public var rateBurst: Int32?

    /// Whether this key may write or read events of `project`.
    public func allows(project: Int32) -> Bool { isAdmin || projectId == project }
}

/// Creating, finding and revoking API keys. Blocking: call on a connection's thread.
public enum APIKeys {
    /// Creates a key for the project named `projectName` (created if new), or an admin key.
    /// Returns the key (shown once) and its record.
    public static func create(
        name: String, projectName: String?, admin: Bool, rateEventsPerSecond: Int32? = nil, rateBurst: Int32? = nil,
        on conn: PostgresConnection
    ) throws(StoreError) -> (key: String, record: APIKey) {
        var projectId: Int32?
        if let projectName {
            projectId = try Hierarchy.project(named: projectName, on: conn).id
        }
        let key = generate()
        let prefix = String(key.prefix(12))
        let row = try conn.execute("""
            INSERT INTO api_keys (name, prefix, key_hash, project_id, is_admin, rate_events_per_s, rate_burst)
            VALUES ($1, $2, sha256(convert_to($3, 'UTF8')), $4, $5, $6, $7)
            RETURNING id
            """, [name, prefix, key, projectId.map(String.init), admin ? "true" : "false",
                  rateEventsPerSecond.map(String.init), rateBurst.map(String.init)])
        let id = try row.value(Int32.self)
        return (key, APIKey(id: id, name: name, prefix: prefix, projectId: projectId, isAdmin: admin,
                            rateEventsPerSecond: rateEventsPerSecond, rateBurst: rateBurst))
    }

    /// The active key matching `key`, if any.
    public static func find(_ key: String, on conn: PostgresConnection) throws(StoreError) -> APIKey? {
        let r = try conn.execute("""
            SELECT id, name, prefix, project_id, is_admin, rate_events_per_s, rate_burst FROM api_keys
            WHERE key_hash = sha256(convert_to($1, 'UTF8')) AND revoked_at IS NULL
            """, [key])
        return try r.firstRow.map { row throws(StoreError) in try record(row) }
    }

    /// Active keys, newest first.
    public static func list(on conn: PostgresConnection) throws(StoreError) -> [APIKey] {
        try conn.execute("""
            SELECT id, name, prefix, project_id, is_admin, rate_events_per_s, rate_burst FROM api_keys
            WHERE revoked_at IS NULL ORDER BY id DESC
            """).decodedRows.map { row throws(StoreError) in try record(row) }
    }

    /// Whether any active key exists (when none does, a loopback server may run open).
    public static func anyActive(on conn: PostgresConnection) throws(StoreError) -> Bool {
        try conn.execute("SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL)").value(Bool.self)
    }

    /// Revokes the key with `id`; returns whether it was active.
    public static func revoke(id: Int32, on conn: PostgresConnection) throws(StoreError) -> Bool {
        try conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [String(id)]).affectedRows == 1
    }

    private static func record(_ row: Row) throws(StoreError) -> APIKey {
        APIKey(id: try row.decode(Int32.self, at: 0), name: try row.decode(String.self, at: 1), prefix: try row.decode(String.self, at: 2),
               projectId: try row.decodeIfPresent(Int32.self, at: 3), isAdmin: try row.decode(Bool.self, at: 4),
               rateEventsPerSecond: try row.decodeIfPresent(Int32.self, at: 5), rateBurst: try row.decodeIfPresent(Int32.self, at: 6))
    }

    /// `slc_` and 43 characters of base64url: 256 random bits.
    static func generate() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var g = SystemRandomNumberGenerator()
        return "slc_" + String((0..<43).map { _ in alphabet[Int(g.next(upperBound: UInt8(64)))] })
    }
}
