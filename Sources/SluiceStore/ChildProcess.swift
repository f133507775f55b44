import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion with `posix_spawn` and `waitpid`, its output going to a file.
///
/// Foundation's `Process` waits for children through a run loop, which never turns on the
/// threads sluice blocks on; this waits on the calling thread, which must not be the
/// cooperative pool's.
enum ChildProcess {
    /// Runs `executable` with `arguments`; returns its exit status and everything it printed.
    static func run(_ executable: String, _ arguments: [String]) throws(StoreError) -> (status: Int32, output: String) {
        let outPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out").path
        defer { unlink(outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The output is a file, not a pipe: the postmaster that `pg_ctl start` leaves running
        // inherits it, and a pipe would never reach end-of-file.
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard rc == 0 else { throw .embedded("cannot run \(executable): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw .embedded("waitpid failed for \(executable): \(String(cString: strerror(errno)))") }
        }
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let exited = status & 0x7F == 0
        return (exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F), output)
    }
}
