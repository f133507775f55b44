import Foundation
import SluiceProcess
import SluiceStore

/// The text-format baseline: `psql \copy agent_events (...) FROM 'file' WITH (FORMAT csv)`, as a
/// child process on one connection.
enum PsqlCopy {
    static let executable = "/usr/bin/psql"

    /// Loads `csvFile` into `agent_events` of `databaseURL`; returns the seconds taken (psql's
    /// start, connection and exit included) and the rows psql reports.
    static func run(csvFile: URL, databaseURL: String, outputFile: URL) async throws -> (seconds: Double, rows: Int) {
        let columns = CopyBinaryEncoder.columns.joined(separator: ", ")
        let path = csvFile.path.replacingOccurrences(of: "'", with: "''")
        let command = "\\copy agent_events (\(columns)) FROM '\(path)' WITH (FORMAT csv)"
        let start = ContinuousClock.now
        let exit = try await ChildProcess.run(
            [executable, databaseURL, "-X", "-v", "ON_ERROR_STOP=1", "-c", command], output: .file(outputFile.path)).exit
        let seconds = (ContinuousClock.now - start).seconds
        let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard exit.succeeded else { throw BenchError("psql \\copy failed (\(exit)): \(text.suffix(2000))") }
        // psql prints "COPY <rows>".
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("COPY ") }), let rows = Int(line.dropFirst(5)) else {
            throw BenchError("psql \\copy did not report its rows: \(text.suffix(2000))")
        }
        return (seconds, rows)
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}
