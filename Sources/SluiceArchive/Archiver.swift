import Crypto
import Foundation
import Logging
import Metrics
import SluiceCore
import SluiceStore

/// Exports closed days of `agent_events` to the archive store as LZ4-compressed binary COPY
/// parts, each with a manifest, and records them in `sluice_archive_parts`.
///
/// Crash-safe: a part is written to a temporary file, fsynced, renamed, read back and verified,
/// its manifest written the same way, and only then recorded in the catalog, in the same
/// transaction whose snapshot defined its rows. A crash before that COMMIT leaves no catalog row,
/// so the next run writes the same part again over the same file names; after it, a complete,
/// verified part. Runs block the calling thread (a connection's own thread).
public struct Archiver: Sendable {
    public let configuration: ArchiveConfiguration
    public let store: any ArchiveStore
    let logger: Logger
    let crash: CrashPoints

    public init(configuration: ArchiveConfiguration, logger: Logger) {
        self.configuration = configuration
        self.store = configuration.store
        self.logger = logger
        self.crash = CrashPoints()
    }

    /// How long the parts of one export took.
    public struct Timing: Sendable {
        /// Reading rows from PostgreSQL (COPY TO STDOUT, including the server's sort).
        public var database: Duration = .zero
        /// LZ4 compression and SHA-256.
        public var compression: Duration = .zero
        /// Writing, fsync and rename.
        public var writing: Duration = .zero
        /// Reading the file back and checking it.
        public var verification: Duration = .zero
    }

    /// One part written by a run.
    public struct Written: Sendable {
        public var manifest: SegmentManifest
        public var timing: Timing
    }

    /// Archives every day that ended at least `archiveAfterDays` ago and holds rows not archived yet.
    public func run(now: Date = Date(), on conn: PostgresConnection) throws -> [Written] {
        try ArchiveLock.holding(on: conn) {
            let installation = try Self.installation(on: conn)
            try store.claim(installation: installation)
            try store.removeLeftovers()
            let cutoff = UTCDay.start(of: now, minusDays: configuration.archiveAfterDays)
            let days = try conn.execute(
                "SELECT d::text FROM sluice_event_days($1::timestamptz) d WHERE sluice_archive_pending(d) > 0",
                [cutoff]
            ).column(String.self)
            var written: [Written] = []
            for day in days {
                if let part = try archive(day: day, installation: installation, on: conn) { written.append(part) }
            }
            return written
        }
    }

    /// Archives the rows of `day` that are in no part yet as the day's next part; nil if none.
    /// The caller holds ``ArchiveLock``.
    func archive(day: String, installation: String, on conn: PostgresConnection) throws -> Written? {
        try conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        do {
            let written = try export(day: day, installation: installation, on: conn)
            if written == nil { try conn.execute("ROLLBACK"); return nil }
            crash.reach("before-commit")
            try conn.execute("COMMIT")
            crash.reach("after-commit")
            if let w = written {
                Counter(label: "sluice_archive_parts_written_total").increment()
                Counter(label: "sluice_archive_bytes_written_total").increment(by: w.manifest.fileBytes)
                logger.info("archived", metadata: [
                    "day": "\(day)", "part": "\(w.manifest.part)", "rows": "\(w.manifest.rows)",
                    "bytes": "\(w.manifest.fileBytes)", "ratio": "\(String(format: "%.2f", w.manifest.ratio))",
                ])
            }
            return written
        } catch {
            if conn.isHealthy { _ = try? conn.execute("ROLLBACK") }
            throw error
        }
    }

    private func export(day: String, installation: String, on conn: PostgresConnection) throws -> Written? {
        let state = try conn.execute("""
            SELECT pg_current_snapshot()::text,
                   coalesce((SELECT max(part) FROM sluice_archive_parts WHERE day = $1::date), 0) + 1,
                   coalesce(sluice_archived_snapshot($1::date)::text, ''),
                   sluice_schema_version(),
                   to_char(sluice_day_start($1::date) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   to_char(sluice_day_start($1::date + 1) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            """, [day])
        let row = try state.requireRow()
        let snapshot = try row.decode(String.self, at: 0)
        let part = try row.decode(Int.self, at: 1)
        let archivedAfter = try row.decode(String.self, at: 2)
        let schemaVersion = try row.decode(String.self, at: 3)
        let from = try row.decode(Timestamp.self, at: 4)
        let to = try row.decode(Timestamp.self, at: 5)
        try conn.execute("SELECT set_config('sluice.archive_day', $1, true), set_config('sluice.archive_after', $2, true)",
                         [day, archivedAfter])

        let file = try store.createPart(day: day, part: part)
        var finished = false
        defer { if !finished { file.abandon() } }
        let encoder = try LZ4FrameEncoder(level: configuration.level)
        var hasher = SHA256()
        var timing = Timing()
        let clock = ContinuousClock()
        let started = clock.now

        func emit<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
            let written: Void? = try bytes.withContiguousStorageIfAvailable { b in
                let raw = UnsafeRawBufferPointer(b)
                let t0 = clock.now
                hasher.update(bufferPointer: raw)
                let t1 = clock.now
                try file.write(raw)
                timing.compression += t1 - t0
                timing.writing += clock.now - t1
            }
            guard written != nil else { preconditionFailure("archive bytes are contiguous") }
        }
        var payload: [UInt8] = []
        payload.reserveCapacity(Self.blockBytes + 65_536)
        func compress() throws {
            let t0 = clock.now
            let out = try payload.withUnsafeBytes { try encoder.update($0) }
            timing.compression += clock.now - t0
            try emit(out)
            payload.removeAll(keepingCapacity: true)
            crash.reach("export")
        }

        try emit(try encoder.begin())
        payload += ArchivePayload.encodeHeader(ArchivePayload.Header(segment: day, part: part))
        var scanner = CopyStreamScanner()
        var digest = KeyDigest()
        _ = try conn.copyOut("COPY (SELECT * FROM sluice_archive_rows()) TO STDOUT (FORMAT binary)") { chunk in
            try scanner.feed(chunk) { row in
                try digest.add(row: row)
                JSONCompactor.appendCompacted(row, to: &payload)
                if payload.count >= Self.blockBytes { try compress() }
            }
        }
        try scanner.finish()
        guard scanner.rows > 0 else { return nil }
        payload += ArchivePayload.trailer
        try compress()
        let end = try encoder.end()
        try emit(end)
        let checksum = end.suffix(4).reversed().map { String(format: "%02x", $0) }.joined()
        let t0 = clock.now
        try file.finish(crash: crash)
        finished = true
        timing.writing += clock.now - t0
        timing.database = (clock.now - started) - timing.compression - timing.writing
        crash.reach("published")

        let manifest = SegmentManifest(
            segment: day, part: part, from: from.rfc3339, to: to.rfc3339, rows: scanner.rows,
            minEventTime: scanner.minTime.map(PostgresTime.rfc3339), maxEventTime: scanner.maxTime.map(PostgresTime.rfc3339),
            payloadBytes: encoder.contentSize, fileBytes: file.bytesWritten, file: ArchiveDirectory.dataFileName(part: part),
            compression: .init(level: configuration.level.description, contentChecksum: checksum),
            sha256: hasher.finalize().hex, keyDigest: digest.text, snapshot: snapshot, schemaVersion: schemaVersion, sluiceVersion: sluiceVersion,
            installation: installation, archivedAt: Timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000)).rfc3339)

        let v0 = clock.now
        _ = try PartReader.verify(store, against: manifest)
        timing.verification = clock.now - v0
        crash.reach("verified")
        try store.writeManifest(Array(manifest.encoded()) + [0x0A], day: day, part: part)
        crash.reach("manifest")
        let json = String(decoding: manifest.encoded(), as: UTF8.self)
        let values: [String?] = [
            day, String(part), snapshot, String(manifest.rows), manifest.minEventTime, manifest.maxEventTime,
            String(manifest.payloadBytes), String(manifest.fileBytes), manifest.sha256,
            "agent_events/\(day)/\(manifest.file)", json, manifest.keyDigest,
        ]
        try conn.execute("""
            INSERT INTO sluice_archive_parts
                (day, part, snapshot, rows, min_event_time, max_event_time, payload_bytes, file_bytes, sha256, file,
                 manifest, verified_at, key_digest)
            VALUES ($1::date, $2::int, $3::pg_snapshot, $4::bigint, $5::timestamptz, $6::timestamptz, $7::bigint,
                    $8::bigint, $9, $10, $11::jsonb, now(), $12::numeric)
            """, values)
        return Written(manifest: manifest, timing: timing)
    }

    /// Payload bytes handed to LZ4 at a time: one LZ4 block.
    static let blockBytes = 4 << 20

    static func installation(on conn: PostgresConnection) throws -> String {
        guard let id = try conn.execute("SELECT value FROM sluice_meta WHERE key = 'installation_id'").scalar(String.self) else {
            throw StoreError.migration("sluice_meta has no installation_id")
        }
        return id
    }
}

/// One archive or retention run at a time per database (a session-level advisory lock, waited
/// for up to 30 seconds: a killed run's server session may take a moment to go away).
enum ArchiveLock {
    static func holding<T>(on conn: PostgresConnection, _ body: () throws -> T) throws -> T {
        do {
            try conn.execute("SET lock_timeout = '30s'")
            try conn.execute("SELECT pg_advisory_lock(hashtext('sluice_archive'))")
            try conn.execute("RESET lock_timeout")
        } catch StoreError.server(let state, _, _) where state == "55P03" {
            _ = try? conn.execute("RESET lock_timeout")
            throw ArchiveError.busy
        }
        defer { _ = try? conn.execute("SELECT pg_advisory_unlock(hashtext('sluice_archive'))") }
        return try body()
    }
}

/// UTC day arithmetic.
enum UTCDay {
    /// Midnight UTC of `date`'s day, minus `days` days, RFC 3339.
    static func start(of date: Date, minusDays days: Int) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let midnight = (seconds - ((seconds % 86_400) + 86_400) % 86_400) - Int64(days) * 86_400
        return Timestamp(microsecondsSinceEpoch: midnight * 1_000_000).rfc3339
    }
}
