import Foundation
import SluiceStore
import Synchronization

/// Measures how long acknowledged events take to reach the projections. Every 100 ms it records
/// a snapshot of the database (which transactions had committed) and the projector's horizon (the
/// lower of its parts': everything below it is in every projection). An event committed by the
/// time of one sample is projected by the first later sample whose horizon has passed the newest
/// transaction that had stored events by then.
///
/// A sample reads no table: which of the log's transactions a snapshot saw is worked out after
/// the run, from the distinct `ingest_xid`s. (Reading `max(ingest_xid)` in every sample planned
/// and ran a query over every partition: about 10% of a core, taken from the server it measured.)
final class ProjectionLagProbe: Sendable {
    struct Sample: Sendable {
        /// Seconds since the probe started.
        var at: Double
        var snapshot: Snapshot
        var horizon: UInt64
    }

    /// `pg_current_snapshot()`: transactions below `xmin` had ended; of those below `xmax`, all but `running`.
    struct Snapshot: Sendable {
        var xmin: UInt64
        var xmax: UInt64
        var running: Set<UInt64>

        /// Parses `xmin:xmax:xip,…`.
        init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, let xmin = UInt64(parts[0]), let xmax = UInt64(parts[1]) else { return nil }
            self.xmin = xmin
            self.xmax = xmax
            running = Set(parts[2].split(separator: ",").compactMap { UInt64($0) })
        }

        /// Whether transaction `xid` had committed (or aborted) when the snapshot was taken.
        func hadEnded(_ xid: UInt64) -> Bool { xid < xmin || (xid < xmax && !running.contains(xid)) }
    }

    private let worker: ConnectionWorker
    private let samples = Mutex<[Sample]>([])
    private let running = Atomic<Bool>(true)
    private let started = ContinuousClock.now

    init(databaseURL: String) {
        worker = ConnectionWorker(url: databaseURL)
    }

    /// Seconds since the probe started.
    var now: Double { (ContinuousClock.now - started).seconds }

    /// Samples until ``stop()``.
    func run() async {
        while running.load(ordering: .relaxed) {
            let at = now
            if let row = try? await worker.run({ conn throws(StoreError) in
                try conn.execute("SELECT pg_current_snapshot()::text, sluice_projected_horizon()::text").requireRow()
            }), let snapshot = try? Snapshot(row.decode(String.self, at: 0)), let horizon = try? row.decode(UInt64.self, at: 1) {
                samples.withLock { $0.append(Sample(at: at, snapshot: snapshot, horizon: horizon)) }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Stops sampling (``run()`` returns).
    func stop() { running.store(false, ordering: .relaxed) }

    /// Waits until every event stored so far is projected; returns how long after `at` that was.
    /// Call it once the events of interest are acknowledged, and before more are sent.
    func caughtUp(after at: Double, timeout: Double = 300) async -> Double? {
        guard let newest = try? await worker.run({ conn throws(StoreError) in
            try conn.execute("SELECT coalesce(max(ingest_xid), '0')::text FROM agent_events").value(UInt64.self)
        }) else { return nil }
        let deadline = now + timeout
        while now < deadline {
            if let done = samples.withLock({ $0.first(where: { $0.at >= at && $0.horizon > newest }) }) {
                return done.at - at
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// The CPU time of the server's backends now (``BackendCPU``), nil when `/proc` cannot show it.
    func backendCPU() async -> BackendCPU? {
        try? await worker.run { conn throws(StoreError) in try BackendCPU.sample(conn) }
    }

    /// For every sample taken in each of `windows` while events were arriving, the seconds until
    /// the projections held everything it saw stored (ascending, one list a window). Call after
    /// ``stop()``; closes the connection.
    func lags(in windows: [ClosedRange<Double>]) async throws -> [[Double]] {
        let all = samples.withLock { $0 }
        let first = windows.compactMap { w in all.first(where: { w.contains($0.at) })?.snapshot.xmin }.min() ?? 0
        let xids = try await worker.run { conn throws(StoreError) in
            try conn.execute("SELECT DISTINCT ingest_xid::text FROM agent_events WHERE ingest_xid >= $1::xid8", [String(first)])
                .column(UInt64.self)
        }.sorted()
        await worker.shutdown()
        return windows.map { window in
            var out: [Double] = []
            for (i, s) in all.enumerated() where window.contains(s.at) {
                // The newest transaction that had stored events when the sample was taken.
                guard let newest = xids.last(where: s.snapshot.hadEnded) else { continue }
                if let done = all[i...].first(where: { $0.horizon > newest }) { out.append(done.at - s.at) }
            }
            return out.sorted()
        }
    }
}
