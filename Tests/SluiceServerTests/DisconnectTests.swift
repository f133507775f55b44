import Foundation
import SluiceIngest
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
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect: \(errno)") }
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

    /// Connections of the server's pools that sat inside a transaction for more than a second:
    /// a projector step or a COPY never idles that long between two of its statements.
    static func stuckInTransaction(_ db: String) async throws -> [String] {
        try await TestDatabase.query(db) { conn throws(StoreError) -> [String] in
            try conn.execute("""
                SELECT state || ': ' || coalesce(query, '') FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND state LIKE 'idle in transaction%' AND state_change < now() - interval '1 second'
                """).rows.map { $0[0] ?? "" }
        }
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
            try await Task.sleep(for: .seconds(2))
            #expect(try await Self.stuckInTransaction(db) == [])
            let r = try await post(port: server.port, Events.array([Events.json()]))
            #expect(r.status == 200, "\(r.body)")
            let stored = try await TestDatabase.query(db) { conn throws(StoreError) in
                try conn.execute("SELECT count(*) FROM agent_events").scalar()
            }
            // Each whole request was either stored entirely or not at all.
            let n = Int(stored ?? "") ?? -1
            #expect(n >= 1 && (n - 1) % 50 == 0 && n <= 1 + 10 * 50, "\(n)")
        }
    }
}
