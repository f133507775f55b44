import Foundation
import NIOCore
import SluiceCore
import SluiceStore

/// What redaction costs the server per event, measured in the bench's own run: the work the
/// ingest route does on the workload's bodies (decode, validate, COPY-encode) timed with the
/// built-in rules on and off, alternately, on one thread; the best of each is kept.
struct RedactionCost: Sendable {
    /// Seconds for the whole workload, best of the rounds.
    var secondsOff: Double
    var secondsOn: Double
    var events: Int
    /// Secrets the rules found in the workload.
    var redactions: Int

    var microsecondsPerEventOff: Double { secondsOff / Double(events) * 1e6 }
    var microsecondsPerEventOn: Double { secondsOn / Double(events) * 1e6 }
    /// The share of the route's decode-and-encode work that redaction adds.
    var overhead: Double { secondsOn / secondsOff - 1 }

    static func measure(_ bodies: [ByteBuffer], rounds: Int = 3) -> RedactionCost {
        let decoder = EventBatchDecoder(eventDecoder: EventDecoder(), maximumEvents: .max)
        func run(_ redactor: Redactor) -> (seconds: Double, events: Int, redactions: Int) {
            var counts: [String: Int] = [:]
            var events = 0
            var sink = 0
            let start = ContinuousClock.now
            for body in bodies {
                let outcomes = (try? body.withUnsafeReadableBytes { raw in
                    try decoder.decode(raw.bindMemory(to: UInt8.self), format: .json, defaults: .init(projectId: nil))
                }) ?? []
                var rows = CopyBinaryEncoder(reservingCapacity: body.readableBytes + outcomes.count * 160)
                for case .success(var event) in outcomes {
                    redactor.redact(&event, counts: &counts)
                    rows.append(event)
                }
                events += outcomes.count
                sink &+= rows.bytes.count
            }
            let seconds = (ContinuousClock.now - start).seconds
            precondition(sink > 0)
            return (seconds, events, counts.values.reduce(0, +))
        }
        var off = Double.infinity, on = Double.infinity
        var events = 0, redactions = 0
        for _ in 0..<rounds {
            off = min(off, run(.disabled).seconds)
            let r = run(Redactor())
            on = min(on, r.seconds)
            (events, redactions) = (r.events, r.redactions)
        }
        return RedactionCost(secondsOff: off, secondsOn: on, events: events, redactions: redactions)
    }
}
