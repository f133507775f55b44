import Foundation
import Synchronization

/// Cancels the statement a ``ConnectionWorker`` runs for a call whose task was cancelled.
///
/// Each call gets a ticket. The worker's thread marks the ticket running around the body; a
/// cancelled task asks for its ticket to be stopped. `PQcancel` blocks (it connects to the
/// server), so it runs on a thread of its own, never on the cooperative pool, and it runs under
/// the lock: the worker's thread cannot end that call and start the next one before the request
/// has reached the server, so a late cancel never stops a later call's statement (the server
/// ignores a cancel that arrives while its backend waits for a command).
final class StatementCancellation: Sendable {
    private struct State {
        var issued: UInt64 = 0
        /// The newest ticket whose call has started; calls start in ticket order (one FIFO thread).
        var started: UInt64 = 0
        var running: (ticket: UInt64, handle: CancelHandle?)?
        /// A cancel request was sent for the running call.
        var stopped = false
        /// Cancelled before their call started.
        var early: Set<UInt64> = []
    }

    private let state = Mutex(State())

    func issue() -> UInt64 {
        state.withLock { s in
            s.issued += 1
            return s.issued
        }
    }

    /// On the worker's thread, before the body: false if the ticket was cancelled already.
    func begin(_ ticket: UInt64, handle: CancelHandle?) -> Bool {
        state.withLock { s in
            s.started = ticket
            let cancelled = s.early.contains(ticket)
            s.early = s.early.filter { $0 > ticket }  // older ones never started (skipped by the pool)
            guard !cancelled else { return false }
            s.running = (ticket, handle)
            s.stopped = false
            return true
        }
    }

    /// On the worker's thread, after the body: whether a cancel request was sent while it ran.
    func end(_ ticket: UInt64) -> Bool {
        state.withLock { s in
            let stopped = s.stopped
            s.running = nil
            s.stopped = false
            return stopped
        }
    }

    /// From any thread: stops `ticket`'s call (its running statement, or the call before it starts).
    func cancel(_ ticket: UInt64) {
        Thread.detachNewThread { [self] in
            state.withLock { s in
                if let running = s.running, running.ticket == ticket {
                    running.handle?.cancel()
                    s.stopped = true
                } else if ticket > s.started {
                    s.early.insert(ticket)
                }
            }
        }
    }
}
