/// A child process run to completion: how it ended and what it printed.
public struct ProcessResult: Sendable {
    /// The command line, for messages.
    public var command: String
    public var exit: ProcessExit
    /// Its captured output (empty unless an output was ``ProcessOutput/capture``).
    public var output: String

    /// The status as a shell reports it: the exit code, or 128 + the signal.
    public var status: Int32 { exit.status }

    /// This result, or ``ProcessError/failed(command:exit:output:)`` unless it exited with 0.
    @discardableResult
    public func checked() throws(ProcessError) -> ProcessResult {
        guard exit.succeeded else { throw .failed(command: command, exit: exit, output: output) }
        return self
    }
}

extension ChildProcess {
    /// Runs `arguments` to completion, awaiting its exit without holding a cooperative thread.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], input: ProcessInput = .nullDevice,
        output: ProcessOutput = .capture, errors: ProcessOutput = .standardOutput
    ) async throws(ProcessError) -> ProcessResult {
        let child = try spawn(arguments, environment: environment, input: input, output: output, errors: errors)
        let exit = await child.wait()
        return ProcessResult(command: child.command, exit: exit, output: child.capturedOutput())
    }

    /// ``run(_:environment:input:output:errors:)`` blocking the calling thread, which must be one
    /// of its own (a connection's), never a cooperative one.
    public static func runBlocking(
        _ arguments: [String], environment: [String: String] = [:], input: ProcessInput = .nullDevice,
        output: ProcessOutput = .capture, errors: ProcessOutput = .standardOutput
    ) throws(ProcessError) -> ProcessResult {
        let child = try spawn(arguments, environment: environment, input: input, output: output, errors: errors)
        let exit = child.waitBlocking()
        return ProcessResult(command: child.command, exit: exit, output: child.capturedOutput())
    }
}
