#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended: the wait status of `waitpid`, decoded once.
public enum ProcessExit: Sendable, Hashable, CustomStringConvertible {
    /// It called `exit` with this code.
    case exited(Int32)
    /// A signal ended it (SIGKILL is 9).
    case signaled(Int32)

    /// Decodes a raw `waitpid` status (of a child that has ended).
    public init(waitStatus status: Int32) {
        let signal = status & 0x7F
        self = signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }

    /// Whether it exited with code 0.
    public var succeeded: Bool { self == .exited(0) }

    /// The status as a shell reports it: the exit code, or 128 + the signal.
    public var status: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "ended by signal \(signal)\(signal == SIGKILL ? " (SIGKILL)" : signal == SIGTERM ? " (SIGTERM)" : "")"
        }
    }
}
