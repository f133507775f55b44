import Foundation
import NIOCore
import NIOHTTP1

/// The archive in an S3-compatible bucket, under `prefix/`: the same names as
/// ``ArchiveDirectory``. A part above ``S3Location/partBytes`` is a multipart upload, aborted
/// when it fails; a smaller one a single PUT. Either way no object exists under the part's name
/// until the whole of it is stored (each request carries its body's SHA-256 and MD5, which the
/// store checks), and the archiver then reads it back and checks it before it counts. An upload
/// killed midway leaves an unfinished multipart upload, which no listing shows as an object and
/// the next run aborts. Nothing is deleted.
public struct S3ArchiveStore: ArchiveStore {
    public let s3: S3Location
    let client: S3Client
    let crash: CrashPoints

    public init(_ location: S3Location) {
        s3 = location
        client = S3Client(location: location)
        crash = CrashPoints()
    }

    static func dataName(day: String, part: Int) -> String { "agent_events/\(day)/\(ArchiveDirectory.dataFileName(part: part))" }
    static func manifestName(day: String, part: Int) -> String { "agent_events/\(day)/\(ArchiveDirectory.manifestFileName(part: part))" }

    public var location: String { s3.url }
    public func dataLocation(day: String, part: Int) -> String { client.describe(client.key(Self.dataName(day: day, part: part))) }
    public func manifestLocation(day: String, part: Int) -> String { client.describe(client.key(Self.manifestName(day: day, part: part))) }

    public func claim(installation: String) throws {
        let key = client.key("sluice-archive.json")
        if let data = try get(key) {
            let found = (try? JSONDecoder().decode([String: String].self, from: data))?["installation"] ?? "unreadable"
            guard found == installation else { throw ArchiveError.foreignDirectory(path: location, expected: installation, found: found) }
            return
        }
        let body = "{\"format\": \"sluice-archive\", \"installation\": \"\(installation)\"}\n"
        _ = try client.checked(.PUT, key: key, body: Array(body.utf8), operation: "writing")
    }

    /// Aborts the multipart uploads that killed runs left under `prefix/agent_events/`.
    public func removeLeftovers() throws {
        let prefix = client.key("agent_events/")
        let response = try client.checked(.GET, key: nil, query: [("uploads", ""), ("prefix", prefix)], operation: "listing uploads in")
        for upload in XMLText.elements("Upload", in: String(buffer: response.body)) {
            guard let key = XMLText.values("Key", in: upload).first, let id = XMLText.values("UploadId", in: upload).first else { continue }
            _ = try client.checked(.DELETE, key: key, query: [("uploadId", id)], operation: "aborting the unfinished upload of")
        }
    }

    public func createPart(day: String, part: Int) throws -> any ArchivePartWriter {
        S3PartWriter(client: client, key: client.key(Self.dataName(day: day, part: part)), partBytes: s3.partBytes,
                     failAfterPieces: s3.failAfterPieces, crash: crash)
    }

    public func readPart(day: String, part: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let key = client.key(Self.dataName(day: day, part: part))
        guard let data = try getBuffer(key) else {
            throw ArchiveError.corrupt(path: client.describe(key), reason: "the object is missing")
        }
        try data.withUnsafeReadableBytes { all in
            var offset = 0
            while offset < all.count {
                let n = min(4 << 20, all.count - offset)
                try body(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + n)]))
                offset += n
            }
        }
    }

    public func writeManifest(_ bytes: [UInt8], day: String, part: Int) throws {
        _ = try client.checked(.PUT, key: client.key(Self.manifestName(day: day, part: part)), body: bytes, operation: "writing")
    }

    public func manifestData(day: String, part: Int) throws -> Data? {
        try get(client.key(Self.manifestName(day: day, part: part)))
    }

    public func storedManifests() throws -> [SegmentManifest] {
        var keys: [String] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", client.key("agent_events/"))]
            if let token { query.append(("continuation-token", token)) }
            let text = String(buffer: try client.checked(.GET, key: nil, query: query, operation: "listing").body)
            keys += XMLText.values("Key", in: text)
            token = XMLText.values("IsTruncated", in: text).first == "true" ? XMLText.values("NextContinuationToken", in: text).first : nil
        } while token != nil
        return try keys.filter { $0.hasSuffix(".manifest.json") }.sorted().map { key in
            guard let data = try get(key) else { throw ArchiveError.corrupt(path: client.describe(key), reason: "the manifest vanished while being read") }
            do {
                return try SegmentManifest.decode(data)
            } catch {
                throw ArchiveError.corrupt(path: client.describe(key), reason: "the manifest is not valid JSON (\(error))")
            }
        }
    }

    private func getBuffer(_ key: String) throws -> ByteBuffer? {
        let response = try client.send(.GET, key: key, operation: "reading")
        if response.status == 404 { return nil }
        guard (200..<300).contains(response.status) else { throw client.failure(response, key: key, operation: "reading") }
        return response.body
    }

    private func get(_ key: String) throws -> Data? {
        try getBuffer(key).map { Data($0.readableBytesView) }
    }
}

/// One part's upload: buffered up to `partBytes`, then a multipart upload piece by piece.
final class S3PartWriter: ArchivePartWriter {
    let client: S3Client
    let key: String
    let partBytes: Int
    let failAfterPieces: Int?
    let crash: CrashPoints
    private var buffer: [UInt8] = []
    private var uploadID: String?
    private var etags: [String] = []
    private(set) var bytesWritten = 0

    init(client: S3Client, key: String, partBytes: Int, failAfterPieces: Int?, crash: CrashPoints) {
        self.client = client
        self.key = key
        self.partBytes = partBytes
        self.failAfterPieces = failAfterPieces
        self.crash = crash
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        bytesWritten += bytes.count
        while buffer.count >= partBytes * 2 || (buffer.count > partBytes && uploadID != nil) {
            try uploadPiece(Array(buffer.prefix(partBytes)))
            buffer.removeFirst(partBytes)
        }
    }

    func finish(crash: CrashPoints) throws {
        guard uploadID != nil || buffer.count > partBytes else {
            _ = try client.checked(.PUT, key: key, body: buffer, operation: "uploading")
            return
        }
        while buffer.count > partBytes {
            try uploadPiece(Array(buffer.prefix(partBytes)))
            buffer.removeFirst(partBytes)
        }
        if !buffer.isEmpty { try uploadPiece(buffer) }
        crash.reach("sealed")
        let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(XMLText.escape($0.element))</ETag></Part>" }
        let body = "<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>"
        let response = try client.checked(.POST, key: key, query: [("uploadId", uploadID!)], body: Array(body.utf8),
                                          operation: "completing the upload of")
        // S3 may answer 200 and still report an error in the body.
        if XMLText.elements("Error", in: String(buffer: response.body)).first != nil {
            throw client.failure(S3Client.Response(status: 500, headers: response.headers, body: response.body), key: key,
                                 operation: "completing the upload of")
        }
        uploadID = nil
    }

    private func uploadPiece(_ bytes: [UInt8]) throws {
        if uploadID == nil {
            let response = try client.checked(.POST, key: key, query: [("uploads", "")], operation: "starting the upload of")
            guard let id = XMLText.values("UploadId", in: String(buffer: response.body)).first else {
                throw ArchiveError.store(location: client.describe(key), operation: "starting the upload of", reason: "no UploadId in the answer")
            }
            uploadID = id
        }
        if let limit = failAfterPieces, etags.count >= limit {
            throw ArchiveError.store(location: client.describe(key), operation: "uploading", reason: "injected fault after \(limit) pieces")
        }
        let number = etags.count + 1
        let response = try client.checked(.PUT, key: key, query: [("partNumber", String(number)), ("uploadId", uploadID!)], body: bytes,
                                          operation: "uploading piece \(number) of")
        guard let etag = response.headers.first(name: "etag") else {
            throw ArchiveError.store(location: client.describe(key), operation: "uploading piece \(number) of", reason: "no ETag in the answer")
        }
        etags.append(etag)
        if number == 1 { crash.reach("uploading") }
    }

    /// Aborts an unfinished multipart upload (a failed single PUT stored nothing).
    func abandon() {
        guard let id = uploadID else { return }
        uploadID = nil
        _ = try? client.send(.DELETE, key: key, query: [("uploadId", id)], operation: "aborting the upload of")
    }
}
