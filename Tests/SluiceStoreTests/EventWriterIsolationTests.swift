import Foundation
import Testing
import SluiceCore
import SluiceStore
import SluiceTestSupport

/// A batch the database refuses for a data error stores every row but the refused ones, and says
/// which rows of which chunk those were.
@Suite struct EventWriterIsolationTests {
    static let poison = "ALTER TABLE agent_events ADD CONSTRAINT test_poison CHECK (agent_id <> 'poison')"

    static func chunk(_ agents: [String], project: Int32 = 1) -> (CopyBinaryEncoder, [AgentEvent]) {
        var e = CopyBinaryEncoder()
        var events: [AgentEvent] = []
        for agent in agents {
            var event = EventWriterTests.event(project: project)
            event.agentId = agent
            e.append(event)
            events.append(event)
        }
        return (e, events)
    }

    @Test func refusedRowsAreFoundAndTheRestStored() async throws {
        let url = try await TestDatabase.fresh()
        let (a, _) = Self.chunk(["poison", "ok", "ok", "ok", "poison"])
        let (b, _) = Self.chunk(["ok", "ok", "ok"], project: 2)
        let (c, _) = Self.chunk(["poison"], project: 3)
        let (d, _) = Self.chunk((0..<200).map { $0 == 137 ? "poison" : "ok" })
        let (outcome, stored) = try await TestDatabase.query(url) { conn throws(StoreError) in
            _ = try conn.execute(Self.poison)
            return (try EventWriter.write([a, b, c, d], on: conn),
                    try conn.execute("SELECT count(*) FROM agent_events WHERE agent_id = 'ok'").scalar(String.self))
        }
        #expect(outcome.inserted == 205 && outcome.copied == 205)
        // Refused rows are in neither count.
        #expect(outcome.copiedByProject == [1: 202, 2: 3] && outcome.insertedByProject == [1: 202, 2: 3])
        #expect(outcome.refused.mapValues { $0.map(\.row) } == [0: [0, 4], 2: [0], 3: [137]])
        #expect(outcome.refused[2]?.first?.reason.contains("23514") == true, "\(outcome.refused)")
        #expect(stored == "205")
    }

    /// Duplicates send the batch through the staging table, where the CHECK fails at the INSERT.
    @Test func refusedRowsAmongDuplicatesAreFoundToo() async throws {
        let url = try await TestDatabase.fresh()
        let (first, events) = Self.chunk(["ok", "ok", "ok"])
        let again = events.reduce(into: CopyBinaryEncoder()) { $0.append($1) }
        let (bad, _) = Self.chunk(["ok", "poison", "ok"], project: 2)
        let (outcome, stored) = try await TestDatabase.query(url) { conn throws(StoreError) in
            _ = try EventWriter.write([first], on: conn)
            _ = try conn.execute(Self.poison)
            return (try EventWriter.write([again, bad], on: conn), try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self))
        }
        #expect(outcome.refused.mapValues { $0.map(\.row) } == [1: [1]])
        #expect(outcome.inserted == 2 && outcome.copied == 5)
        #expect(outcome.copiedByProject == [1: 3, 2: 2] && outcome.insertedByProject == [2: 2])
        #expect(stored == "5")
    }

    @Test func otherErrorsAreThrownNotIsolated() async throws {
        let url = try await TestDatabase.fresh()
        let (a, _) = Self.chunk(["ok"])
        let role = "reader_\(UUID().uuidString.prefix(8).lowercased())"
        let error = try await TestDatabase.query(url) { conn throws(StoreError) -> StoreError? in
            _ = try conn.execute("CREATE ROLE \(role)")
            _ = try conn.execute("SET ROLE \(role)")
            defer { _ = try? conn.execute("RESET ROLE"); _ = try? conn.execute("DROP ROLE \(role)") }
            do throws(StoreError) { _ = try EventWriter.write([a], on: conn); return nil } catch { return error }
        }
        var state: String?
        if case .server(let s, _, _)? = error { state = s }
        #expect(state == "42501", "\(String(describing: error))")
    }
}
