/// A token bucket of events: `rate` tokens a second up to `burst`. Pure: the caller passes the
/// time (seconds on a monotonic clock).
///
/// A request is admitted while the bucket holds a token, before its body is parsed (its events
/// are not counted yet); its events are then charged, and may take the bucket below zero. The
/// debt is paid back at `rate` before the next request is admitted, so a client's long-run rate
/// is `rate` whatever the size of its requests.
struct TokenBucket: Sendable, Equatable {
    /// Tokens (events) a second, and the most the bucket holds.
    let rate: Double
    let burst: Double
    private(set) var tokens: Double
    private(set) var updated: Double

    init(rate: Double, burst: Double, now: Double) {
        precondition(rate > 0 && burst >= 1)
        self.rate = rate
        self.burst = burst
        tokens = burst
        updated = now
    }

    private mutating func refill(_ now: Double) {
        if now > updated {
            tokens = min(burst, tokens + (now - updated) * rate)
            updated = now
        }
    }

    /// Nil when a request may go ahead now; otherwise the whole seconds to wait (at least 1), for
    /// `Retry-After`.
    mutating func admit(now: Double) -> Int? {
        refill(now)
        if tokens >= 1 { return nil }
        return max(1, Int(((1 - tokens) / rate).rounded(.up)))
    }

    /// Takes `events` tokens (after the request's body was decoded).
    mutating func charge(_ events: Int, now: Double) {
        refill(now)
        tokens -= Double(events)
    }

    /// Whether the bucket is full again (nothing to remember about its client).
    func isFull(now: Double) -> Bool {
        tokens + max(0, now - updated) * rate >= burst
    }
}
