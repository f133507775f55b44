/// A request over its client's rate: the time until the client's bucket holds a token again.
struct Refusal: Sendable, Equatable {
    /// Seconds until a token.
    var seconds: Double

    /// Whole seconds, at least 1, for `Retry-After`.
    var retryAfter: Int { max(1, Int(seconds.rounded(.up))) }

    /// How long the server holds the refusal before it answers: until the token is due, at most
    /// a second. A client that ignores `Retry-After` and asks again at once is then answered at
    /// about its own rate instead of as fast as the server can refuse, which would take the CPU
    /// that other clients' requests need.
    var hold: Duration { .microseconds(Int64((min(seconds, 1) * 1e6).rounded(.up))) }
}

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

    /// Nil when a request may go ahead now; otherwise how long until it may.
    mutating func admit(now: Double) -> Refusal? {
        refill(now)
        if tokens >= 1 { return nil }
        return Refusal(seconds: (1 - tokens) / rate)
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
