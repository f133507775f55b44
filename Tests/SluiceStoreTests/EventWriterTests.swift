import Foundation
import Testing
import SluiceCore
@testable import SluiceStore
import SluiceTestSupport

@Suite struct EventWriterTests {
    static func event(_ day: Int = 0, id: UUID = .v7(), project: Int32 = 1) -> AgentEvent {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        return AgentEvent(id: id, timestamp: Timestamp(microsecondsSinceEpoch: now + Int64(day) * 86_400_000_000),
                          eventType: "tool_use", agentId: "claude-code", agentVersion: "2", sessionId: UUID(), projectId: project,
                          data: try! JSONText(#"{"tool":"Bash"}"#), tags: ["x"])
    }

    static func stream(_ events: [AgentEvent]) -> [UInt8] {
        var e = CopyBinaryEncoder()
        for event in events { e.append(event) }
        return CopyBinaryEncoder.stream([e])
    }

    /// Counted by project on each path: the direct copy, and the staging table that absorbs
    /// duplicates within a batch and across batches.
    @Test func absorbsDuplicatesWithinAndAcrossBatches() async throws {
        let url = try await TestDatabase.fresh()
        let events = (0..<100).map { i in Self.event(project: i % 2 == 0 ? 1 : 2) }
        let within = Self.stream(events + events.prefix(10))
        let again = Self.stream(Array(events.suffix(50)) + [Self.event(project: 3)])
        let fresh = Self.stream([Self.event(project: 3), Self.event(project: 3), Self.event(project: 2)])
        let (a, b, c, count) = try await TestDatabase.query(url) { conn throws(StoreError) in
            (try EventWriter.write(within, on: conn), try EventWriter.write(again, on: conn), try EventWriter.write(fresh, on: conn),
             try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self))
        }
        #expect(a == EventWriter.Outcome(copied: 110, inserted: 100, copiedByProject: [1: 55, 2: 55], insertedByProject: [1: 50, 2: 50]))
        #expect(b == EventWriter.Outcome(copied: 51, inserted: 1, copiedByProject: [1: 25, 2: 25, 3: 1], insertedByProject: [3: 1]))
        #expect(c == EventWriter.Outcome(copied: 3, inserted: 3, copiedByProject: [2: 1, 3: 2], insertedByProject: [2: 1, 3: 2]))
        #expect(count == "104")
    }

    /// The count by project is read from the stream itself, whatever wrote it.
    @Test func countsTheRowsOfAStreamByProject() {
        let stream = Self.stream([Self.event(project: 7), Self.event(project: -2), Self.event(project: 7)])
        let column = CopyBinaryEncoder.columns.firstIndex(of: "project_id")!
        #expect(CopyBinaryEncoder.rowsByProject(stream, column: column) == [7: 2, -2: 1])
        #expect(CopyBinaryEncoder.rowsByProject(CopyBinaryEncoder.stream([]), column: column) == [:])
        #expect(CopyBinaryEncoder.rowsByProject(Array(stream.prefix(stream.count - 40)), column: column) == [7: 1, -2: 1])
    }

    /// Native partitions: plain mode only (a hypertable makes its chunks as rows arrive).
    @Test(.enabled(if: TestDatabase.mode == .plain))
    func storesEventsFarOutsideThePartitionWindowAndCarvesThemOut() async throws {
        let url = try await TestDatabase.fresh()
        let old = Self.event(-365), future = Self.event(1), farFuture = Self.event(400)
        let stream = Self.stream([old, future, farFuture])
        let (placed, created, after) = try await TestDatabase.query(url) { conn throws(StoreError) in
            _ = try EventWriter.write(stream, on: conn)
            let placed = try conn.execute("SELECT tableoid::regclass::text FROM agent_events ORDER BY \"timestamp\"").rows.map { $0[0] ?? "" }
            let created = try conn.execute("SELECT sluice_maintain_partitions()").scalar(String.self)
            let after = try conn.execute("SELECT tableoid::regclass::text, count(*) OVER () FROM agent_events ORDER BY \"timestamp\"").rows.map { $0[0] ?? "" }
            return (placed, created, after)
        }
        #expect(placed[0] == "agent_events_default" && placed[2] == "agent_events_default")
        #expect(placed[1].hasPrefix("agent_events_p"))
        #expect(created == "2")
        #expect(!after.contains("agent_events_default"))
        #expect(after.count == 3)
    }

    @Test func rollsBackAWholeBatchTheServerRefuses() async throws {
        let url = try await TestDatabase.fresh()
        var corrupted = Self.stream([Self.event()])
        corrupted[corrupted.count - 7] = 0x7F  // the last field's length: far past the end of the row
        let bad = corrupted
        let good = Self.stream([Self.event()])
        let (failed, count) = try await TestDatabase.query(url) { conn throws(StoreError) in
            var failed = false
            do { _ = try EventWriter.write(bad, on: conn) } catch { failed = true }
            _ = try EventWriter.write(good, on: conn)  // the connection is usable afterwards
            return (failed, try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self))
        }
        #expect(failed)
        #expect(count == "1")
    }
}
