/// A child process that could not be started, or that failed.
public enum ProcessError: Error, CustomStringConvertible {
    /// `posix_spawn` refused: a missing or non-executable program, or an unusable file.
    case cannotStart(command: String, reason: String)
    /// It ran but did not exit with status 0 (``ProcessResult/checked()``).
    case failed(command: String, exit: ProcessExit, output: String)
    /// No loopback port could be had for a child server (``LoopbackPort/free()``).
    case noLoopbackPort(reason: String)

    public var description: String {
        switch self {
        case .cannotStart(let command, let reason):
            "cannot start \(command): \(reason) (is it installed and on PATH?)"
        case .failed(let command, let exit, let output):
            "\(command) \(exit)" + (output.isEmpty ? "" : ":\n\(output.suffix(4000))")
        case .noLoopbackPort(let reason):
            "cannot get a free loopback port: \(reason)"
        }
    }
}
