/// A failure talking to PostgreSQL, with what to do about it.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The server could not be reached or the connection broke. Retry later; check `DATABASE_URL`.
    case unavailable(String)
    /// The server refused a statement.
    case server(sqlState: String, message: String, detail: String?)
    /// Migrations are missing or inconsistent.
    case migration(String)
    /// The embedded PostgreSQL cluster could not be started.
    case embedded(String)
    /// A result did not have the expected shape.
    case protocolViolation(String)
    /// A column's value (nil for NULL) is not of the type the code reads it as.
    case decoding(column: String, value: String?, type: String)
    /// The calling task was cancelled: its running statement was stopped, or none was sent.
    /// Nothing of an open transaction was committed.
    case cancelled(String)
    /// A statement failed inside ``PostgresConnection/transaction(_:)`` and the body went on
    /// without throwing; the transaction was rolled back.
    case transactionAborted(String)

    /// True when retrying later may succeed (connection loss, server shutting down, too many clients).
    public var isTransient: Bool {
        switch self {
        case .unavailable: return true
        case .server(let state, _, _):
            // 08: connection exception, 57P: operator intervention (shutdown), 53300: too many connections,
            // 40001/40P01: serialization failure / deadlock (the transaction can be retried).
            return state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300" || state == "40001" || state == "40P01"
        default: return false
        }
    }

    /// True when the server refused the data itself (SQLSTATE classes 22 and 54, and 23 but for a
    /// duplicate key): sending the same rows again fails again, but other rows may be stored.
    public var isDataError: Bool {
        guard case .server(let state, _, _) = self else { return false }
        return state.hasPrefix("22") || state.hasPrefix("54") || (state.hasPrefix("23") && state != "23505")
    }

    /// What a client is told about a row the server refused.
    var refusalReason: String {
        guard case .server(let state, let message, let detail) = self else { return description }
        return "the database refused this event (\(state) \(message)\(detail.map { "; \($0)" } ?? "")); nothing else of the batch was affected"
    }

    public var description: String {
        switch self {
        case .unavailable(let m):
            return "PostgreSQL is unavailable: \(m). Check that the server is running and DATABASE_URL is right; Sluice retries by itself."
        case .server(let state, let message, let detail):
            return "PostgreSQL error \(state): \(message)" + (detail.map { " (\($0))" } ?? "")
        case .migration(let m):
            return "migration problem: \(m). Run `sluice migrate` and `sluice doctor`."
        case .embedded(let m):
            return "embedded PostgreSQL: \(m). Install PostgreSQL server binaries (apt-get install postgresql) or set DATABASE_URL."
        case .protocolViolation(let m):
            return "unexpected result from PostgreSQL: \(m)"
        case .decoding(let column, let value, let type):
            return "unexpected result from PostgreSQL: column \(column) holds \(value.map { "'\($0)'" } ?? "NULL"), not a \(type) value. "
                + "The schema and this sluice disagree: run `sluice doctor` and `sluice migrate`, or use the sluice that migrated the database."
        case .cancelled(let m):
            return "cancelled: \(m); nothing of its open transaction was committed"
        case .transactionAborted(let m):
            return "transaction rolled back: \(m). Let the statement's error propagate (or use a savepoint to recover from it)."
        }
    }
}
