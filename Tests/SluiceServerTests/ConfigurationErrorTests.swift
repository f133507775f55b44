import SluiceProcess
import SluiceTestSupport
import Testing

/// A configuration variable the command cannot use stops it at start, saying which and why.
@Suite struct ConfigurationErrorTests {
    /// A database nobody listens on: should a setting pass, the command fails at once anyway.
    static let nowhere = "postgresql://127.0.0.1:1/none?connect_timeout=1"

    @Test func serveRefusesAWordForANumber() async throws {
        let result = try await runTool([sluiceExecutable, "serve"], environment: ["SLUICE_WRITERS": "two", "DATABASE_URL": Self.nowhere], check: false)
        #expect(result.exit != .exited(0))
        #expect(result.output.contains("SLUICE_WRITERS=two: expected a whole number from 1 to 64"), "\(result.output)")
    }

    @Test func archiveRefusesAnUnknownLevel() async throws {
        let result = try await runTool([sluiceExecutable, "archive", "list"], environment: ["SLUICE_ARCHIVE_LEVEL": "max", "DATABASE_URL": Self.nowhere], check: false)
        #expect(result.exit != .exited(0))
        #expect(result.output.contains("SLUICE_ARCHIVE_LEVEL=max: expected fast, hc or hc:3 … hc:12"), "\(result.output)")
    }
}
