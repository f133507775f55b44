import ArgumentParser
import Foundation
import SluiceCore
import SluiceImport
import SluiceProcess

/// `sluice bench import`: parse + map throughput of the Claude importer on a generated
/// transcript set, single-threaded and without the database, against `wc -l` of the same files
/// (the floor: reading the bytes and finding the newlines), both from the page cache.
public struct ImportBenchmark: Sendable {
    /// The options of `sluice bench import`.
    public struct Options: ParsableArguments, Sendable {
        @Option(help: "Megabytes of transcripts to generate.")
        public var megabytes = 256

        @Option(help: "Seed of the generator.")
        public var seed: UInt64 = 1

        @Flag(help: "Keep the generated transcripts (printed directory).")
        public var keep = false

        public init() {}
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    public func run() async throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-import-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { if !options.keep { try? FileManager.default.removeItem(atPath: dir) } }
        var generator = TranscriptGenerator(seed: options.seed)
        let genStart = ContinuousClock.now
        let files = try generator.write(into: dir, bytes: Int64(options.megabytes) << 20)
        let genTime = ContinuousClock.now - genStart
        let bytes = files.reduce(Int64(0)) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? NSNumber)?.int64Value ?? 0) }

        // Warm the page cache, then the floor: wc -l.
        _ = try await wcLines(files)
        var wcBest = Duration.seconds(1_000_000)
        var wcCPU = Double.infinity
        var lines = 0
        for _ in 0..<3 {
            let t0 = ContinuousClock.now
            let c0 = Self.cpuSeconds(RUSAGE_CHILDREN)
            lines = try await wcLines(files)
            wcBest = min(wcBest, ContinuousClock.now - t0)
            wcCPU = min(wcCPU, Self.cpuSeconds(RUSAGE_CHILDREN) - c0)
        }

        // Parse + map, single-threaded, events built and dropped (no sink).
        let prices = try PriceTable.bundled()
        let importOptions = ImportOptions(projectId: 1, machineId: "bench", hostname: "bench", prices: prices)
        var best = Duration.seconds(1_000_000)
        var bestCPU = Double.infinity
        var stats = ImportStats()
        for _ in 0..<3 {
            let run = ClaudeImport(options: importOptions, sink: nil, batchSize: 5000)
            var positions: [String: WatchState.FilePosition] = [:]
            let t0 = ContinuousClock.now
            let c0 = Self.cpuSeconds(RUSAGE_SELF)
            try await run.pass(paths: [dir], positions: &positions, now: Timestamp(microsecondsSinceEpoch: 2_000_000_000_000_000))
            best = min(best, ContinuousClock.now - t0)
            bestCPU = min(bestCPU, Self.cpuSeconds(RUSAGE_SELF) - c0)
            stats = run.stats
        }
        let mb = Double(bytes) / 1e6
        let s = Self.seconds(best), w = Self.seconds(wcBest)
        let machine = MachineInfo.current()
        return """
            sluice bench import: \(files.count) transcript files, \(String(format: "%.1f", mb)) MB, \(lines) lines (generated in \(String(format: "%.1f", Self.seconds(genTime))) s, seed \(options.seed))
            machine: \(machine.processors) vCPU, \(machine.cpuModel); best of 3, files in the page cache
                                     wall s     MB/s   CPU s  MB/CPU-s
            wc -l (floor):          \(String(format: "%8.3f %8.1f %7.3f %9.1f", w, mb / w, wcCPU, mb / wcCPU))
            parse + map (1 core):   \(String(format: "%8.3f %8.1f %7.3f %9.1f", s, mb / s, bestCPU, mb / bestCPU))  \(Int(Double(stats.lines) / bestCPU)) lines/CPU-s  \(Int(Double(stats.events) / bestCPU)) events/CPU-s
            events \(stats.events) (\(stats.eventsByType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
            requests \(stats.totals.requests), invalid lines \(stats.invalidLines)
            parse + map / wc -l: \(String(format: "%.3f", wcCPU / bestCPU)) (throughput ratio, CPU time; wall: \(String(format: "%.3f", w / s)))
            target ≥ 100 MB/s on one core (CPU time, so other load on the machine does not count): \(mb / bestCPU >= 100 ? "met" : "NOT met")
            """
    }

    private func wcLines(_ files: [String]) async throws -> Int {
        let text = try await ChildProcess.run(["wc", "-l"] + files, errors: .discard).checked().output
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        return Int(last.split(separator: " ").first ?? "") ?? 0
    }

    /// User + system CPU seconds of this process (`RUSAGE_SELF`) or of its waited-for children.
    static func cpuSeconds(_ who: __rusage_who) -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(truncatingIfNeeded: who.rawValue), &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, a) = d.components
        return Double(s) + Double(a) / 1e18
    }
}
