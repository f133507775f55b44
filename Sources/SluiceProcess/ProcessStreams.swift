/// What a child process reads on its standard input.
public enum ProcessInput: Sendable, Hashable {
    /// /dev/null: it reads end-of-file at once.
    case nullDevice
    /// The file at this path.
    case file(String)
    /// These bytes, then end-of-file (through a temporary file, so that nothing blocks on a pipe).
    case bytes([UInt8])
}

/// Where a child process's standard output (or standard error) goes.
public enum ProcessOutput: Sendable, Hashable {
    /// /dev/null.
    case discard
    /// This process's own.
    case inherit
    /// The file at this path, created or truncated.
    case file(String)
    /// Collected for ``ChildProcess/capturedOutput()`` and ``ProcessResult/output``.
    ///
    /// Through a temporary file rather than a pipe: a child that leaves a daemon behind holding it
    /// (`pg_ctl start`) still ends, and a child never blocks on a pipe that nobody reads.
    case capture
    /// Standard error only: wherever standard output goes.
    case standardOutput
}
