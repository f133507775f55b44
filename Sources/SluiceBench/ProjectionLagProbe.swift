import Foundation
import SluiceStore
import Synchronization

/// Measures how long acknowledged events take to reach the projections: every 100 ms it records
/// the newest transaction that stored events and the projector's horizon (the lower of its parts':
/// everything below it is in every projection). An event committed by the time of one sample is projected by the first later sample
/// whose horizon has passed that sample's newest transaction.
final class ProjectionLagProbe: Sendable {
    struct Sample: Sendable {
        /// Seconds since the probe started.
        var at: Double
        var newest: UInt64
        var horizon: UInt64
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
                try conn.execute("""
                    SELECT coalesce((SELECT max(ingest_xid) FROM agent_events), '0')::text,
                           sluice_projected_horizon()::text
                    """).rows.first
            }), let newest = row[0].flatMap(UInt64.init), let horizon = row[1].flatMap(UInt64.init) {
                samples.withLock { $0.append(Sample(at: at, newest: newest, horizon: horizon)) }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        await worker.shutdown()
    }

    func stop() { running.store(false, ordering: .relaxed) }

    /// Waits until everything stored by `at` is projected; returns how long after `at` that was.
    func caughtUp(after at: Double, timeout: Double = 300) async -> Double? {
        let deadline = now + timeout
        while now < deadline {
            let all = samples.withLock { $0 }
            if let newest = all.last(where: { $0.at <= at })?.newest ?? all.first?.newest,
               let done = all.first(where: { $0.at >= at && $0.horizon > newest }) {
                return done.at - at
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// For every sample taken in `window` while events were arriving, the seconds until the
    /// projections held everything it saw stored.
    func lags(in window: ClosedRange<Double>) -> [Double] {
        let all = samples.withLock { $0 }
        var out: [Double] = []
        for (i, s) in all.enumerated() where window.contains(s.at) && s.newest > 0 {
            if let done = all[i...].first(where: { $0.horizon > s.newest }) { out.append(done.at - s.at) }
        }
        return out
    }
}
