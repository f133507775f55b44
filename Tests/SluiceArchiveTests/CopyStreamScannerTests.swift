import Foundation
import Testing
import SluiceCore
import SluiceStore
@testable import SluiceArchive

@Suite struct CopyStreamScannerTests {
    /// A COPY stream of `n` event rows (14 fields: the event as posted, without facts).
    static func stream(_ n: Int, header: [UInt8] = CopyBinaryEncoder.header) -> [UInt8] {
        var e = CopyBinaryEncoder(includesFacts: false)
        for i in 0..<n {
            e.append(AgentEvent(id: UUID(), timestamp: Timestamp(microsecondsSinceEpoch: 1_700_000_000_000_000 + Int64(i) * 1000),
                                eventType: "tool_use", agentId: "a", agentVersion: "1", sessionId: UUID(), projectId: 1))
        }
        return header + e.bytes + CopyBinaryEncoder.trailer
    }

    @Test func countsRowsAndTimesWhateverTheChunking() throws {
        let bytes = Self.stream(50, header: ArchivePayload.encodeHeader(.init(segment: "2023-11-14", part: 2)))
        for chunk in [1, 7, 100, bytes.count] {
            var scanner = CopyStreamScanner(fieldCount: 14)
            var seen: [UInt8] = []
            var offset = 0
            while offset < bytes.count {
                let n = min(chunk, bytes.count - offset)
                try bytes[offset..<(offset + n)].withUnsafeBytes { try scanner.feed($0) { seen += $0 } }
                offset += n
            }
            try scanner.finish()
            #expect(scanner.rows == 50)
            #expect(scanner.minTime == 1_700_000_000_000_000 - Timestamp.postgresEpochOffset)
            #expect(scanner.maxTime == 1_700_000_000_049_000 - Timestamp.postgresEpochOffset)
            let header = try JSONDecoder().decode(ArchivePayload.Header.self, from: Data(scanner.headerExtension))
            #expect(header.segment == "2023-11-14" && header.part == 2 && header.columns.count == 15)
            #expect(seen.count == bytes.count - ArchivePayload.encodeHeader(.init(segment: "2023-11-14", part: 2)).count - 2)
        }
    }

    @Test func rejectsMalformedStreams() throws {
        var wrongFields = CopyStreamScanner(fieldCount: 15)
        #expect(throws: CopyStreamError.self) { try Self.stream(1).withUnsafeBytes { try wrongFields.feed($0) { _ in } } }

        var truncated = CopyStreamScanner(fieldCount: 14)
        try Self.stream(3).dropLast(2).withUnsafeBytes { try truncated.feed(UnsafeRawBufferPointer($0)) { _ in } }
        #expect(throws: CopyStreamError.self) { try truncated.finish() }

        var notCopy = CopyStreamScanner(fieldCount: 14)
        #expect(throws: CopyStreamError.self) { try Array(repeating: UInt8(65), count: 40).withUnsafeBytes { try notCopy.feed($0) { _ in } } }
    }
}

@Suite struct JSONCompactorTests {
    @Test func removesOnlyTheBlanksPostgreSQLAddsOutsideStrings() throws {
        func row(_ jsonb: String) -> [UInt8] {
            var r: [UInt8] = [0, 15]
            for f in 0..<15 {
                if f == 8 {
                    let b = [UInt8(1)] + Array(jsonb.utf8)
                    let n = UInt32(b.count)
                    r += [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] + b
                } else if f == 2 {
                    r += [0, 0, 0, 3] + Array("a b".utf8)
                } else {
                    r += [0xFF, 0xFF, 0xFF, 0xFF]
                }
            }
            return r
        }
        var out: [UInt8] = []
        row(#"{"a": 1, "b": "x: y, z \" , ", "c": [1, 2, {"d": null}]}"#).withUnsafeBytes { JSONCompactor.appendCompacted($0, to: &out) }
        #expect(out == row(#"{"a":1,"b":"x: y, z \" , ","c":[1,2,{"d":null}]}"#))
        var scanner = CopyStreamScanner()
        try (CopyBinaryEncoder.header + out + CopyBinaryEncoder.trailer).withUnsafeBytes { try scanner.feed($0) { _ in } }
        try scanner.finish()
        #expect(scanner.rows == 1)
    }
}
