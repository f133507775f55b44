import Foundation
import Testing
@testable import SluiceArchive

@Suite struct ArchiveDirectoryTests {
    /// makeDirectory creates every missing level (mkdir and an fsync of each new directory's
    /// parent), accepts a directory that exists, and fails with a typed error naming the path when
    /// a file is in the way.
    @Test func makesNestedDirectoriesAndSaysWhatFailed() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("archive-dir-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let directory = ArchiveDirectory(root: base.appendingPathComponent("a/b"))
        try directory.claim(installation: "test")
        try directory.makeDirectory(directory.dayDirectory("2026-10-01"))
        try directory.makeDirectory(directory.dayDirectory("2026-10-01"))
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: directory.dayDirectory("2026-10-01").path, isDirectory: &isDirectory) && isDirectory.boolValue)

        let blocker = base.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        #expect {
            try ArchiveDirectory(root: blocker.appendingPathComponent("sub")).makeDirectory(blocker.appendingPathComponent("sub/day"))
        } throws: { error in
            "\(error)".contains("creating \(blocker.path)/sub failed")
        }
    }
}
