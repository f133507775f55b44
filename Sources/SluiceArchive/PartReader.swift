import Crypto
import Foundation
import SluiceCore

/// Reads an archive data file back: its SHA-256, its LZ4 frame (whose content checksum liblz4
/// checks) and its COPY rows. Verify and restore both read through it.
struct PartReader {
    /// What a full read found.
    struct Summary {
        var sha256: String
        var fileBytes: Int
        var payloadBytes: Int
        var rows: Int
        var minTime: Int64?
        var maxTime: Int64?
        var keyDigest: String
        var header: ArchivePayload.Header?
    }

    /// Reads a part's data file from `store` to the end, calling `row` with each row's bytes.
    static func read(_ store: any ArchiveStore, day: String, part: Int,
                     row: (UnsafeRawBufferPointer) throws -> Void = { _ in }) throws -> Summary {
        try read(.store(store, day: day, part: part), row: row)
    }

    /// Reads the data file `url` to the end, calling `row` with each row's bytes.
    static func read(_ url: URL, row: (UnsafeRawBufferPointer) throws -> Void = { _ in }) throws -> Summary {
        try read(.file(url), row: row)
    }

    private enum Source {
        case file(URL)
        case store(any ArchiveStore, day: String, part: Int)

        var path: String {
            switch self {
            case .file(let url): url.path
            case .store(let store, let day, let part): store.dataLocation(day: day, part: part)
            }
        }

        func chunks(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
            switch self {
            case .file(let url): try readChunks(url, body)
            case .store(let store, let day, let part): try store.readPart(day: day, part: part, body)
            }
        }
    }

    private static func read(_ source: Source, row: (UnsafeRawBufferPointer) throws -> Void) throws -> Summary {
        let path = source.path
        var hasher = SHA256()
        let decoder = try LZ4FrameDecoder()
        var scanner = CopyStreamScanner()
        var digest = KeyDigest()
        var fileBytes = 0
        var payloadBytes = 0
        do {
            try source.chunks { chunk in
                hasher.update(bufferPointer: chunk)
                fileBytes += chunk.count
                try decoder.decode(chunk) { payload in
                    payloadBytes += payload.count
                    try scanner.feed(payload) { r in
                        try digest.add(row: r)
                        try row(r)
                    }
                }
            }
            guard decoder.isComplete else { throw LZ4Error("the file ends before the LZ4 frame does") }
            try scanner.finish()
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError.corrupt(path: path, reason: "\(error)")
        }
        let header = try? JSONDecoder().decode(ArchivePayload.Header.self, from: Data(scanner.headerExtension))
        return Summary(
            sha256: hasher.finalize().hex, fileBytes: fileBytes, payloadBytes: payloadBytes, rows: scanner.rows,
            minTime: scanner.minTime, maxTime: scanner.maxTime, keyDigest: digest.text, header: header)
    }

    /// Checks a part's data file (the one `manifest` names) against its manifest: size, SHA-256, LZ4 checksums, row count, key
    /// digest (manifests of version 2 on) and times.
    static func verify(_ store: any ArchiveStore, against manifest: SegmentManifest) throws -> Summary {
        let path = store.dataLocation(day: manifest.segment, part: manifest.part)
        func fail(_ reason: String) -> ArchiveError { .corrupt(path: path, reason: reason) }
        guard manifest.version <= SegmentManifest.currentVersion else {
            throw ArchiveError.newerVersion(path: path, version: manifest.version, supported: SegmentManifest.currentVersion)
        }
        let summary = try read(store, day: manifest.segment, part: manifest.part)
        guard summary.fileBytes == manifest.fileBytes else { throw fail("\(summary.fileBytes) bytes; the manifest says \(manifest.fileBytes)") }
        guard summary.sha256 == manifest.sha256 else { throw fail("SHA-256 \(summary.sha256) differs from the manifest's \(manifest.sha256)") }
        guard summary.rows == manifest.rows else { throw fail("\(summary.rows) rows; the manifest says \(manifest.rows)") }
        if let expected = manifest.keyDigest, summary.keyDigest != expected {
            throw fail("key digest \(summary.keyDigest) differs from the manifest's \(expected)")
        }
        guard summary.payloadBytes == manifest.payloadBytes else { throw fail("\(summary.payloadBytes) payload bytes; the manifest says \(manifest.payloadBytes)") }
        guard summary.minTime.map(PostgresTime.rfc3339) == manifest.minEventTime,
              summary.maxTime.map(PostgresTime.rfc3339) == manifest.maxEventTime else { throw fail("event times differ from the manifest") }
        guard let header = summary.header, header.format == ArchivePayload.format, header.version <= ArchivePayload.version,
              header.columns.map(\.name) == ArchivePayload.columns.map(\.name) else {
            throw fail("the payload header is missing or describes other columns")
        }
        return summary
    }
}

/// PostgreSQL's binary timestamps: microseconds since 2000-01-01 00:00:00 UTC.
enum PostgresTime {
    static func rfc3339(_ micros: Int64) -> String {
        Timestamp(microsecondsSinceEpoch: micros + Timestamp.postgresEpochOffset).rfc3339
    }
}

extension Digest {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
