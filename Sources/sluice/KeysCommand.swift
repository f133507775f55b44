import ArgumentParser
import Logging
import SluiceStore

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; it is printed once and stored only as a hash.")

        @Option(help: "The project (full name such as owner/repo, or name) whose events the key writes and reads; created if new.")
        var project: String?

        @Flag(help: "Create an admin key (any project).")
        var admin = false

        @Option(help: "A label for the key.")
        var name: String = "default"

        @Option(help: "The key's own ingest rate in events a second (default: SLUICE_RATE_EVENTS_PER_S, off when unset).")
        var rate: Int32?

        @Option(help: "Events the key may send at once before its rate applies (default: twice the rate).")
        var burst: Int32?

        func validate() throws {
            guard (project != nil) != admin else { throw ValidationError("give exactly one of --project NAME or --admin") }
            if let rate, rate <= 0 { throw ValidationError("--rate must be a positive number of events a second") }
            if let burst, burst <= 0 { throw ValidationError("--burst must be a positive number of events") }
            if burst != nil && rate == nil { throw ValidationError("--burst needs --rate") }
        }

        func run() async throws {
            try await Database.using { database, _ in
                let (project, admin, name, rate, burst) = (self.project, self.admin, self.name, self.rate, self.burst)
                let migrator = try Migrator()
                let created = try await database.withConnection { conn throws(StoreError) in
                    _ = try migrator.migrate(conn)
                    return try APIKeys.create(name: name, projectName: project, admin: admin, rateEventsPerSecond: rate, rateBurst: burst, on: conn)
                }
                print(created.key)
                let scope = created.record.projectId.map { "project \($0) (\(project ?? ""))" } ?? "admin"
                print("key \(created.record.id) for \(scope); send it as `Authorization: Bearer <key>`. It is not shown again.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List active keys (prefix only).")

        func run() async throws {
            try await Database.using { database, _ in
                let keys = try await database.withConnection { conn throws(StoreError) in try APIKeys.list(on: conn) }
                for k in keys {
                    print("\(k.id)\t\(k.prefix)…\t\(k.isAdmin ? "admin" : "project \(k.projectId ?? 0)")\t\(k.name)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id (servers notice within 10 seconds).")

        @Argument(help: "The key id shown by `sluice keys list`.")
        var id: Int32

        func run() async throws {
            try await Database.using { database, _ in
                let id = self.id
                let revoked = try await database.withConnection { conn throws(StoreError) in try APIKeys.revoke(id: id, on: conn) }
                print(revoked ? "revoked key \(id)" : "no active key \(id)")
                if !revoked { throw ExitCode.failure }
            }
        }
    }
}
