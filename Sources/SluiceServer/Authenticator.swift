import Logging
import SluiceStore

/// Who is calling.
public enum Principal: Sendable, Equatable {
    /// No keys exist and the listener is loopback-only: everything is allowed.
    case open
    case key(APIKey)

    /// The project whose events this caller writes when an event names none.
    var defaultProject: Int32? {
        if case .key(let k) = self { return k.projectId }
        return nil
    }

    /// The caller's own ingest rate; nil: the server's default (``ServerConfiguration/rateLimit``).
    var rateLimit: RateLimit? {
        guard case .key(let k) = self, let rate = k.rateEventsPerSecond else { return nil }
        return RateLimit(eventsPerSecond: Double(rate), burst: Double(k.rateBurst ?? 2 * rate))
    }

    /// Whether this caller may write or read `project`'s events.
    func allows(project: Int32) -> Bool {
        switch self {
        case .open: true
        case .key(let k): k.allows(project: project)
        }
    }
}

/// Checks `Authorization: Bearer` keys against `api_keys`, with a short cache so that the hot
/// ingest path costs no query per request.
public actor Authenticator {
    private let pool: ConnectionPool
    private let openWhenNoKeys: Bool
    private var cache: [String: (key: APIKey?, at: ContinuousClock.Instant)] = [:]
    private var anyKeys: (value: Bool, at: ContinuousClock.Instant)?
    private let ttl: Duration = .seconds(10)

    /// - Parameter openWhenNoKeys: run open while no key exists (only for loopback listeners).
    public init(pool: ConnectionPool, openWhenNoKeys: Bool) {
        self.pool = pool
        self.openWhenNoKeys = openWhenNoKeys
    }

    public enum Failure: Error, Sendable {
        case missing, invalid
        case unavailable(StoreError)
    }

    /// The caller behind an `Authorization` header value.
    public func authenticate(_ header: String?) async throws(Failure) -> Principal {
        let now = ContinuousClock.now
        guard let header, header.lowercased().hasPrefix("bearer ") else {
            if openWhenNoKeys, try await !keysExist(now) { return .open }
            throw .missing
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: " ")
        if let hit = cache[token], now - hit.at < ttl {
            if let key = hit.key { return .key(key) }
            throw .invalid
        }
        let found: APIKey?
        do {
            found = try await pool.withConnection { conn throws(StoreError) in try APIKeys.find(token, on: conn) }
        } catch {
            throw .unavailable(error)
        }
        if cache.count > 10_000 { cache.removeAll() }
        cache[token] = (found, now)
        guard let found else {
            if openWhenNoKeys, try await !keysExist(now) { return .open }
            throw .invalid
        }
        return .key(found)
    }

    public func isOpen() async -> Bool {
        guard openWhenNoKeys else { return false }
        return (try? await !keysExist(.now)) ?? false
    }

    private func keysExist(_ now: ContinuousClock.Instant) async throws(Failure) -> Bool {
        if let anyKeys, now - anyKeys.at < ttl { return anyKeys.value }
        let value: Bool
        do {
            value = try await pool.withConnection { conn throws(StoreError) in try APIKeys.anyActive(on: conn) }
        } catch {
            throw .unavailable(error)
        }
        anyKeys = (value, now)
        return value
    }
}

extension String {
    func trimmingCharacters(in c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return String(s)
    }
}
