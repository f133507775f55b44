import Foundation
import NIOCore
import NIOHTTP1
import SluiceProcess
import SluiceTestSupport
import Testing
@testable import SluiceArchive

/// moto's S3-compatible server (`moto_server`, pip `moto[server]`, from scripts/install-deps.sh)
/// on a free loopback port, with one bucket. Without moto the tests are skipped locally and fail
/// under CI=true.
final class MotoServer: Sendable {
    static let isCI = TestEnvironment.isCI
    static let program = ProcessInfo.processInfo.environment["SLUICE_TEST_MOTO"] ?? "moto_server"

    /// Whether moto_server is installed (checked once).
    static let available: Bool = (try? runToolBlocking([program, "--help"], check: false))?.status == 0

    /// Multipart pieces moto accepts in the tests (its default is S3's 5 MiB).
    static let minimumPieceBytes = 65_536

    let child: ChildProcess
    let port: Int
    let bucket = "sluice-test"

    private init(child: ChildProcess, port: Int) {
        self.child = child
        self.port = port
    }

    /// Starts moto, waits until it answers, creates the bucket.
    static func start() async throws -> MotoServer {
        try #require(available, "\(program) is not installed; run scripts/install-deps.sh (pip install 'moto[server]')")
        let port = try LoopbackPort.free()
        let child = try ChildProcess.spawn([program, "-H", "127.0.0.1", "-p", String(port)],
                                           environment: ["S3_UPLOAD_PART_MIN_SIZE": String(minimumPieceBytes)])
        let server = MotoServer(child: child, port: port)
        let deadline = ContinuousClock.now + .seconds(60)
        while !LoopbackPort.accepts(port) {
            if child.hasExited || ContinuousClock.now > deadline {
                await server.stop()
                Issue.record("moto_server did not start on port \(port): \(child.capturedOutput())")
                throw ArchiveError.notFound("moto_server did not start")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        _ = try await offPool { try server.client.checked(.PUT, key: nil, operation: "creating the bucket") }
        return server
    }

    /// The bucket under `prefix`, path-style, with moto's fixed test credentials.
    func location(prefix: String = "archive", partBytes: Int = 16 << 20) -> S3Location {
        S3Location(bucket: bucket, prefix: prefix, endpoint: URL(string: "http://127.0.0.1:\(port)")!, region: "us-east-1",
                   credentials: .init(accessKeyID: "testing", secretAccessKey: "testing"), pathStyle: true, partBytes: partBytes)
    }

    var client: S3Client { S3Client(location: location(prefix: "")) }

    /// Every object key in the bucket.
    func keys() async throws -> [String] {
        let client = self.client
        return try await offPool {
            XMLText.values("Key", in: String(buffer: try client.checked(.GET, key: nil, query: [("list-type", "2")], operation: "listing").body))
        }
    }

    /// Unfinished multipart uploads in the bucket (their keys).
    func unfinishedUploads() async throws -> [String] {
        let client = self.client
        return try await offPool {
            let text = String(buffer: try client.checked(.GET, key: nil, query: [("uploads", "")], operation: "listing uploads").body)
            return XMLText.elements("Upload", in: text).flatMap { XMLText.values("Key", in: $0) }
        }
    }

    func stop() async {
        child.signal(SIGTERM)
        if await child.wait(timeout: .seconds(10)) == nil { child.signal(SIGKILL) }
        _ = await child.wait()
    }
}

/// Runs `body` on a thread of its own: S3 calls block, and never on the cooperative pool.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

extension ArchiveFixtures {
    static func configuration(objectStore: S3Location) -> ArchiveConfiguration {
        var c = configuration()
        c.objectStore = objectStore
        return c
    }
}
