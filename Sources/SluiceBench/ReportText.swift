import Foundation

/// What the printed reports of the benchmarks share: their first lines, and how figures are laid out.

/// The title, then the machine, the PostgreSQL server and the build the figures come from.
func reportHeader(_ title: String, machine: MachineInfo, postgresVersion: String, database: String) -> [String] {
    let memory = machine.memoryBytes.map { String(format: ", %.1f GiB RAM", Double($0) / 1_073_741_824) } ?? ""
    return [
        title,
        "  machine     \(machine.processors) CPUs (nproc), \(machine.cpuModel)\(memory)",
        "  postgres    \(postgresVersion), \(database)",
        "  build       \(buildConfiguration)",
    ]
}

/// Whether timings mean anything: a debug build's do not.
var buildConfiguration: String {
    #if DEBUG
    "debug (timings are not representative: build with -c release)"
    #else
    "release"
    #endif
}

func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

/// `s` indented by two spaces and padded to `width`.
func pad(_ s: String, _ width: Int) -> String {
    "  " + s + String(repeating: " ", count: max(1, width - s.count))
}

/// `s` right-aligned in `width`.
func lpad(_ s: String, _ width: Int) -> String {
    String(repeating: " ", count: max(1, width - s.count)) + s
}
