import Foundation
import SluiceProcess

/// Runs a program (looked up on PATH) to completion and returns how it ended and what it printed
/// (standard output and error together). Its standard input is `input`, /dev/null by default.
/// With `check`, anything but exit status 0 throws ``ProcessError/failed(command:exit:output:)``.
///
/// The wait holds no cooperative thread (two on these machines): tests that ran `sluice`
/// subprocesses for a minute on one starved the in-process servers of other tests until their
/// clients timed out.
@discardableResult
public func runTool(
    _ arguments: [String], environment: [String: String] = [:], input: ProcessInput = .nullDevice, check: Bool = true
) async throws(ProcessError) -> ProcessResult {
    let result = try await ChildProcess.run(arguments, environment: environment, input: input)
    return check ? try result.checked() : result
}

/// ``runTool(_:environment:input:check:)`` blocking the calling thread: only where no task can
/// wait (a `defer` that cleans up), never for a long-running program.
@discardableResult
public func runToolBlocking(
    _ arguments: [String], environment: [String: String] = [:], input: ProcessInput = .nullDevice, check: Bool = true
) throws(ProcessError) -> ProcessResult {
    let result = try ChildProcess.runBlocking(arguments, environment: environment, input: input)
    return check ? try result.checked() : result
}

/// The `sluice` executable built beside the test bundle.
public var sluiceExecutable: String {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("sluice").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return dir.appendingPathComponent("sluice").path
}
