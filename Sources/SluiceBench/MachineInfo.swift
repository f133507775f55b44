import Foundation

/// What the benchmark ran on: processors, CPU model, memory.
public struct MachineInfo: Sendable {
    public var processors: Int
    public var cpuModel: String
    public var memoryBytes: Int?

    public static func current() -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        return MachineInfo(
            processors: ProcessInfo.processInfo.activeProcessorCount,
            cpuModel: model ?? "unknown CPU",
            memoryBytes: procKilobytes(meminfo, field: "MemTotal").map { $0 * 1024 })
    }
}
