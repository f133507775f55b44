import Foundation
import SluiceStore
#if canImport(Glibc)
import Glibc
#endif

/// The `sluice` executable built beside the test bundle.
var sluiceExecutable: String {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("sluice").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return dir.appendingPathComponent("sluice").path
}
