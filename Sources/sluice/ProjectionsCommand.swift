import ArgumentParser
import Logging
import SluiceProjections
import SluiceStore

struct Projections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Maintain the projections (sessions, chat, hourly aggregates).",
        subcommands: [Rebuild.self, Step.self, Failures.self, Retry.self])

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop every projection and fold the whole event log again, in one transaction.")

        func run() async throws {
            try await Database.using { database, _ in
                let migrator = try Migrator()
                let idle = try Settings.sessionIdleTimeout()
                let (step, timescale, refreshedFrom) = try await database.withConnection { conn throws(StoreError) in
                    _ = try migrator.migrate(conn)
                    let step = try Projector.rebuild(idleTimeout: idle, on: conn)
                    let timescale = try conn.execute("SELECT sluice_mode()").value(DatabaseMode.self) == .timescale
                    return (step, timescale, try ContinuousAggregates.refreshAll(on: conn))
                }
                print("rebuilt: \(step.events) events, \(step.hourlyRows) hourly rows, \(step.sessions) sessions, up to transaction \(step.horizon)")
                if step.deadLetters > 0 {
                    print("set aside: \(step.deadLetters) events the folds cannot take (`sluice projections failures` lists them)")
                }
                if timescale {
                    print("continuous aggregates refreshed from \(refreshedFrom ?? "the first event") (days retention dropped keep theirs)")
                }
                print("time: " + step.phases.map(\.description).joined(separator: ", "))
            }
        }
    }

    struct Step: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fold the events stored since the last step into each part of the projector, until caught up (what `serve` does continuously).")

        func run() async throws {
            try await Database.using { database, _ in
                let idle = try Settings.sessionIdleTimeout()
                for part in Projector.Part.allCases {
                    let steps = try await database.withConnection { conn throws(StoreError) in
                        var step = try Projector.step(part, idleTimeout: idle, on: conn)
                        var steps = [step]
                        while step.ran && !step.caughtUp {
                            step = try Projector.step(part, idleTimeout: idle, on: conn)
                            steps.append(step)
                        }
                        return steps
                    }
                    guard let last = steps.last, last.ran else {
                        print("\(part.rawValue): another projector is running")
                        continue
                    }
                    var total = steps[0]
                    for s in steps.dropFirst() { total.absorb(s) }
                    print("\(part.rawValue): folded \(total.events) events in \(steps.count) steps, up to transaction \(last.horizon)"
                          + (total.deadLetters > 0 ? "; set aside \(total.deadLetters) (`sluice projections failures`)" : ""))
                    print("  time: " + total.phases.map(\.description).joined(separator: ", "))
                }
            }
        }
    }

    struct Failures: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the events that a part of the projector set aside because its fold could not take them.")

        @Option(help: "Only this part: aggregates, chat or agent_sessions.")
        var part: Projector.Part?

        @Option(help: "At most this many, oldest first.")
        var limit = 100

        func run() async throws {
            try await Database.using { database, _ in
                let (part, limit) = (self.part, self.limit)
                let entries = try await database.withConnection { conn throws(StoreError) in try DeadLetters.list(part: part, limit: limit, on: conn) }
                guard !entries.isEmpty else {
                    print("no dead letters: every stored event is in every projection")
                    return
                }
                for e in entries {
                    print("\(e.part)  event \(e.eventId) at \(e.eventTimestamp)  (transaction \(e.ingestXid))")
                    print("    \(e.attempts) attempt\(e.attempts == 1 ? "" : "s"), first \(e.firstFailedAt), last \(e.lastFailedAt)")
                    print("    \(e.error)")
                }
                print("\(entries.count) shown. After fixing the cause, `sluice projections retry` folds them again.")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fold the set-aside events again (after a fix); those that still fail stay set aside.")

        @Option(help: "Only this part: aggregates, chat or agent_sessions.")
        var part: Projector.Part?

        func run() async throws {
            try await Database.using { database, _ in
                let idle = try Settings.sessionIdleTimeout()
                for part in part.map({ [$0] }) ?? Projector.Part.allCases {
                    let outcome = try await database.withConnection { conn throws(StoreError) in try DeadLetters.retry(part, idleTimeout: idle, on: conn) }
                    guard outcome.ran else {
                        print("\(part.rawValue): another projector holds the part; try again")
                        continue
                    }
                    print("\(part.rawValue): \(outcome.folded) folded, \(outcome.failing) still failing, \(outcome.gone) no longer in the log")
                }
            }
        }
    }
}

extension Projector.Part: ExpressibleByArgument {}
