import Foundation
import SluiceTestSupport
import Testing
@testable import SluiceArchive

@Suite struct LZ4FrameTests {
    static func compress(_ input: [UInt8], level: LZ4Level = .fast, chunk: Int = 1 << 20) throws -> [UInt8] {
        let encoder = try LZ4FrameEncoder(level: level)
        var out = try encoder.begin()
        var offset = 0
        while offset < input.count {
            let n = min(chunk, input.count - offset)
            out += try input[offset..<(offset + n)].withUnsafeBytes { try encoder.update($0) }
            offset += n
        }
        return out + (try encoder.end())
    }

    static func decompress(_ frame: [UInt8], chunk: Int = 1 << 20) throws -> (bytes: [UInt8], complete: Bool) {
        let decoder = try LZ4FrameDecoder()
        var out: [UInt8] = []
        var offset = 0
        while offset < frame.count {
            let n = min(chunk, frame.count - offset)
            try frame[offset..<(offset + n)].withUnsafeBytes { try decoder.decode($0) { out.append(contentsOf: $0) } }
            offset += n
        }
        return (out, decoder.isComplete)
    }

    /// Text that compresses like event JSON: repeated words with varying numbers.
    static func sample(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while out.count < count {
            out += Array("{\"eventType\":\"tool_use\",\"n\":\(i * 7919 % 1000),\"file\":\"src/f\(i % 37).swift\"}\n".utf8)
            i += 1
        }
        return Array(out.prefix(count))
    }

    @Test(arguments: [0, 1, 1000, 4 << 20, (9 << 20) + 17])
    func roundTripsAnySize(size: Int) throws {
        let input = Self.sample(size)
        for level in [LZ4Level.fast, .high(9)] {
            let frame = try Self.compress(input, level: level, chunk: 300_001)
            let (output, complete) = try Self.decompress(frame, chunk: 65_537)
            #expect(complete)
            #expect(output == input)
        }
    }

    @Test func decodesOneByteAtATime() throws {
        let input = Self.sample(200_000)
        let (output, complete) = try Self.decompress(try Self.compress(input), chunk: 1)
        #expect(complete && output == input)
    }

    @Test func aFlippedByteIsDetected() throws {
        let input = Self.sample(1 << 20)
        var frame = try Self.compress(input)
        frame[frame.count / 2] ^= 0x40
        #expect(throws: (any Error).self) { _ = try Self.decompress(frame) }
    }

    @Test func aTruncatedFrameIsIncomplete() throws {
        let frame = try Self.compress(Self.sample(100_000))
        let (_, complete) = try Self.decompress(Array(frame.dropLast(3)))
        #expect(!complete)
    }

    @Test func bytesAfterTheFrameAreRejected() throws {
        let frame = try Self.compress(Self.sample(10_000)) + [1, 2, 3]
        #expect(throws: (any Error).self) { _ = try Self.decompress(frame) }
    }

    /// The stock `lz4` tool reads our frames, and we read its.
    @Test func interoperatesWithTheLZ4Tool() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lz4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = Self.sample(3 << 20)
        let ours = dir.appendingPathComponent("ours.lz4")
        try Data(try Self.compress(input)).write(to: ours)
        try await runTool(["lz4", "-d", "-q", "-f", ours.path, dir.appendingPathComponent("ours.out").path])
        #expect(try Data(contentsOf: dir.appendingPathComponent("ours.out")) == Data(input))

        try Data(input).write(to: dir.appendingPathComponent("plain"))
        try await runTool(["lz4", "-q", "-f", dir.appendingPathComponent("plain").path, dir.appendingPathComponent("theirs.lz4").path])
        let (output, complete) = try Self.decompress(Array(try Data(contentsOf: dir.appendingPathComponent("theirs.lz4"))))
        #expect(complete && output == input)
    }

    @Test func parsesLevels() {
        #expect(LZ4Level("fast") == .fast)
        #expect(LZ4Level("hc") == .high(9))
        #expect(LZ4Level("hc:12") == .high(12))
        #expect(LZ4Level("hc:2") == nil)
        #expect(LZ4Level("zstd") == nil)
    }
}
