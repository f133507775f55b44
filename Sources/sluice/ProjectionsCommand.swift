import ArgumentParser
import Logging
import SluiceProjections
import SluiceStore

struct Projections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Maintain the projections (sessions, hourly aggregates).", subcommands: [Rebuild.self, Step.self])

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop every projection and fold the whole event log again, in one transaction.")

        func run() async throws {
            Sluice.bootstrapLogging()
            let database = try Database.open(logger: Logger(label: "sluice"))
            defer { database.close() }
            let migrator = try Migrator()
            let idle = Duration.seconds(env("SLUICE_SESSION_IDLE_TIMEOUT_S", 1800))
            let (step, timescale, refreshedFrom) = try await database.withConnection { conn throws(StoreError) in
                _ = try migrator.migrate(conn)
                let step = try Projector.rebuild(idleTimeout: idle, on: conn)
                let timescale = try conn.execute("SELECT sluice_mode()").scalar() == "timescale"
                return (step, timescale, try ContinuousAggregates.refreshAll(on: conn))
            }
            print("rebuilt: \(step.events) events, \(step.hourlyRows) hourly rows, \(step.sessions) sessions, up to transaction \(step.horizon)")
            if timescale {
                print("continuous aggregates refreshed from \(refreshedFrom ?? "the first event") (days retention dropped keep theirs)")
            }
            print("time: " + step.phases.map(\.description).joined(separator: ", "))
        }
    }

    struct Step: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fold the events stored since the last step into each part of the projector, until caught up (what `serve` does continuously).")

        func run() async throws {
            Sluice.bootstrapLogging()
            let database = try Database.open(logger: Logger(label: "sluice"))
            defer { database.close() }
            let idle = Duration.seconds(env("SLUICE_SESSION_IDLE_TIMEOUT_S", 1800))
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
                print("\(part.rawValue): folded \(total.events) events in \(steps.count) steps, up to transaction \(last.horizon)")
                print("  time: " + total.phases.map(\.description).joined(separator: ", "))
            }
        }
    }
}
