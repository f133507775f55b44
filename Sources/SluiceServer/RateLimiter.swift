import NIOCore
import SluiceStore
import Synchronization

/// A client's ingest rate, in events a second, and burst, in events (`SLUICE_RATE_EVENTS_PER_S`,
/// `SLUICE_RATE_BURST`; per key with `sluice keys create --rate`).
public struct RateLimit: Sendable, Equatable {
    public var eventsPerSecond: Double
    public var burst: Double

    public init(eventsPerSecond: Double, burst: Double) {
        self.eventsPerSecond = eventsPerSecond
        self.burst = max(1, burst)
    }
}

/// Per-client token buckets of ingest events (``TokenBucket``): one per API key, or per client
/// address when the server runs open. A client over its rate is answered 429 with `Retry-After`
/// before its body is read or parsed, once its next token is due (``Refusal/hold``, at most 1 s),
/// so that a flooding client costs the others little.
final class RateLimiter: Sendable {
    /// Who a bucket belongs to.
    enum Client: Hashable, Sendable {
        case key(Int32)
        case address(String)
    }

    /// The limit of clients that have none of their own; nil: unlimited.
    let defaultLimit: RateLimit?
    private let buckets = Mutex<[Client: TokenBucket]>([:])
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    init(defaultLimit: RateLimit?) {
        self.defaultLimit = defaultLimit
        start = clock.now
    }

    private var now: Double {
        let (s, atto) = (clock.now - start).components
        return Double(s) + Double(atto) / 1e18
    }

    /// Nil when `client` may send a request now; otherwise how long until it may.
    func admit(_ client: Client, limit: RateLimit?) -> Refusal? {
        guard let limit = limit ?? defaultLimit else { return nil }
        let now = self.now
        return buckets.withLock { buckets in
            if buckets.count > 10_000 { buckets = buckets.filter { !$0.value.isFull(now: now) } }
            return buckets[client, default: TokenBucket(rate: limit.eventsPerSecond, burst: limit.burst, now: now)].admit(now: now)
        }
    }

    /// The bucket of a request's caller: its key, or its address when the server runs open.
    static func client(_ principal: Principal, _ context: SluiceRequestContext) -> Client {
        switch principal {
        case .key(let key): .key(key.id)
        case .open: .address(context.remoteAddress?.ipAddress ?? "unknown")
        }
    }

    /// The 429 message.
    static func advice(_ wait: Int) -> String {
        "this client is over its ingest rate; retry after \(wait) s (Retry-After), or ask for a higher rate (sluice keys create --rate)"
    }

    /// Charges `events` to `client` (after its request was decoded).
    func charge(_ client: Client, events: Int, limit: RateLimit?) {
        guard let limit = limit ?? defaultLimit, events > 0 else { return }
        let now = self.now
        buckets.withLock { buckets in
            buckets[client, default: TokenBucket(rate: limit.eventsPerSecond, burst: limit.burst, now: now)].charge(events, now: now)
        }
    }
}
