/// How the pipeline coalesces requests into COPY batches.
public struct IngestConfiguration: Sendable {
    /// A batch is flushed once it holds this many events…
    public var maxBatchEvents: Int
    /// …or this many bytes of COPY data…
    public var maxBatchBytes: Int
    /// …or when its first event has waited this long.
    public var flushInterval: Duration
    /// Events accepted but not yet committed, at most; beyond this, requests are refused (HTTP 429).
    public var maxQueuedEvents: Int
    /// Concurrent COPY transactions (one database connection each).
    public var writers: Int

    public init(
        maxBatchEvents: Int = 5_000, maxBatchBytes: Int = 8 << 20, flushInterval: Duration = .milliseconds(5),
        maxQueuedEvents: Int = 100_000, writers: Int = 2
    ) {
        self.maxBatchEvents = maxBatchEvents
        self.maxBatchBytes = maxBatchBytes
        self.flushInterval = flushInterval
        self.maxQueuedEvents = maxQueuedEvents
        self.writers = writers
    }
}

/// Why the pipeline did not store a submission. Each case says when to try again.
public enum IngestError: Error, Sendable, CustomStringConvertible {
    /// Too many events are waiting; retry after the given seconds (HTTP 429).
    case saturated(retryAfterSeconds: Int)
    /// The database cannot be reached; retry after the given seconds (HTTP 503).
    case unavailable(retryAfterSeconds: Int, reason: String)
    /// The server is shutting down; retry against another instance or later (HTTP 503).
    case shuttingDown
    /// The database refused the batch for a reason retrying will not fix (HTTP 500).
    case failed(String)

    public var description: String {
        switch self {
        case .saturated(let s): "ingest queue is full; retry in \(s)s"
        case .unavailable(let s, let reason): "database unavailable (\(reason)); retry in \(s)s"
        case .shuttingDown: "server is shutting down; retry shortly"
        case .failed(let m): "batch failed: \(m)"
        }
    }
}
