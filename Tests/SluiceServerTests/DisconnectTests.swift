import Foundation
import SluiceIngest
import SluiceProcess
import SluiceServer
import SluiceStore
import SluiceTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Clients that go away mid-request leave no database connection of the server in a transaction,
/// and the server goes on answering.
@Suite struct DisconnectTests {
    /// Sends `bytes` to 127.0.0.1:`port` over a new TCP connection and closes it at once.
    static func sendAndHangUp(port: Int, _ bytes: [UInt8]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        defer { close(fd) }
        guard LoopbackPort.connect(fd, to: port) else { throw TestFailure("connect: \(errno)") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            sent += n
        }
    }

    static func postRequest(_ body: String, declaredLength: Int? = nil) -> [UInt8] {
        let head = "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(declaredLength ?? body.utf8.count)\r\n\r\n"
        return Array((head + body).utf8)
    }

    /// Connections of the server's pools idle inside a transaction. A projector step or a COPY is
    /// so only between two of its statements; a connection left so by a client that went away
    /// stays so.
    static func idleInTransaction(_ db: String) async throws -> [String] {
        try await TestDatabase.query(db) { conn throws(StoreError) -> [String] in
            try conn.execute("""
                SELECT state || ': ' || coalesce(query, '') FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'
                """).decodedRows.map { row throws(StoreError) in try row.decode(String.self, at: 0) }
        }
    }

    /// The server's side of the TCP connections to its `port` that it has not closed yet (any
    /// state of /proc/net/tcp but LISTEN): 0 once it is done with every client that hung up.
    static func unclosedConnections(port: Int) throws -> Int {
        let local = String(format: ":%04X", port)
        return try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8).split(separator: "\n").dropFirst().filter { line in
            let fields = line.split(separator: " ")
            return fields.count > 3 && fields[1].hasSuffix(local) && fields[3] != "0A"
        }.count
    }

    @Test func hangingUpBeforeOrAfterTheBodyLeavesEveryConnectionIdle() async throws {
        let db = try await TestDatabase.fresh()
        // Submissions wait 300 ms for their batch: most clients are gone before it commits.
        var configuration = ServerConfiguration(port: 0)
        configuration.ingest.flushInterval = .milliseconds(300)
        try await TestServer.with(databaseURL: db, configuration: configuration) { server in
            let body = Events.array((0..<50).map { _ in Events.json() })
            for i in 0..<30 {
                switch i % 3 {
                case 0: try Self.sendAndHangUp(port: server.port, Self.postRequest(body))  // whole request, no wait for the answer
                case 1: try Self.sendAndHangUp(port: server.port, Array(Self.postRequest(body).prefix(200)))  // mid-body
                default: try Self.sendAndHangUp(port: server.port, Self.postRequest(body, declaredLength: body.utf8.count + 10))  // body never ends
                }
            }
            // The server closes a connection once it is done with its request, its batch committed.
            try await waitUntil("the server closed the 30 connections") { try Self.unclosedConnections(port: server.port) == 0 }
            // Then none stays idle in a transaction: the last poll's answer, [] unless the wait ran out.
            var seen = ["not read yet"]
            try? await waitUntil("no connection idle in a transaction", timeout: .seconds(60)) {
                seen = try await Self.idleInTransaction(db)
                return seen.isEmpty
            }
            #expect(seen == [])
            let r = try await post(port: server.port, Events.array([Events.json()]))
            #expect(r.status == 200, "\(r.body)")
            let stored = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("SELECT count(*) FROM agent_events").scalar(String.self)
            }
            // Each whole request was either stored entirely or not at all.
            let n = Int(stored ?? "") ?? -1
            #expect(n >= 1 && (n - 1) % 50 == 0 && n <= 1 + 10 * 50, "\(n)")
        }
    }
}
