import Foundation
import NIOCore
import SluiceCore
import SluiceStore

/// The same events in the three forms the benchmark loads, all encoded before any timing.
///
/// Each generated event is decoded with Sluice's own ``EventDecoder`` (as the server will decode
/// it), and the CSV and binary rows are encoded from that decoded event, so the three paths store
/// identical rows. A generator bug fails here, before anything is timed.
struct Workload: Sendable {
    /// Rows per binary COPY transaction, as the server's default batch.
    static let binaryBatch = 5_000

    let events: Int
    /// HTTP request bodies: JSON arrays of up to `batch` events.
    let bodies: [ByteBuffer]
    let jsonBytes: Int
    /// The smallest and largest event, in bytes of JSON.
    let eventBytes: ClosedRange<Int>
    let meanEventBytes: Int
    /// Complete binary COPY streams of up to ``binaryBatch`` rows.
    let copyStreams: [[UInt8]]
    let binaryBytes: Int
    /// The CSV file for `psql \copy`.
    let csvFile: URL
    let csvBytes: Int

    /// Generates `events` events and encodes them. Blocking (CPU and file I/O): run it off the
    /// cooperative pool.
    static func build(events: Int, batch: Int, seed: UInt64, now: Timestamp, csvFile: URL) throws -> Workload {
        var generator = EventGenerator(seed: seed, now: now)
        let decoder = EventDecoder()
        guard FileManager.default.createFile(atPath: csvFile.path, contents: nil),
              let csvHandle = FileHandle(forWritingAtPath: csvFile.path) else {
            throw BenchError("cannot create \(csvFile.path)")
        }
        defer { try? csvHandle.close() }

        var bodies: [ByteBuffer] = []
        bodies.reserveCapacity(events / batch + 1)
        var body: [UInt8] = []
        var inBody = 0
        var jsonBytes = 0
        var smallest = Int.max, largest = 0, total = 0
        var streams: [[UInt8]] = []
        var binaryBytes = 0
        var binary = CopyBinaryEncoder(reservingCapacity: binaryBatch * 640)
        var csv = CopyTextEncoder(reservingCapacity: 9 << 20)
        var csvBytes = 0

        func flushBody() {
            guard inBody > 0 else { return }
            body.append(UInt8(ascii: "]"))
            jsonBytes += body.count
            bodies.append(ByteBuffer(bytes: body))
            body.removeAll(keepingCapacity: true)
            inBody = 0
        }
        func flushBinary() {
            guard binary.rowCount > 0 else { return }
            let stream = CopyBinaryEncoder.stream([binary])
            binaryBytes += stream.count
            streams.append(stream)
            binary = CopyBinaryEncoder(reservingCapacity: binaryBatch * 640)
        }
        func flushCSV() throws {
            csvBytes += csv.bytes.count
            try csvHandle.write(contentsOf: csv.bytes)
            csv.removeAll()
        }

        for _ in 0..<events {
            let json = generator.next()
            smallest = min(smallest, json.count)
            largest = max(largest, json.count)
            total += json.count
            let outcome = json.withUnsafeBufferPointer { decoder.decode($0, range: 0..<$0.count, defaults: .init()) }
            let event: AgentEvent
            switch outcome {
            case .success(let e): event = e
            case .failure(let rejected):
                throw BenchError("the generator made an event Sluice refuses (\(rejected.rejection)): \(String(decoding: json, as: UTF8.self))")
            }
            body.append(inBody == 0 ? UInt8(ascii: "[") : UInt8(ascii: ","))
            body += json
            inBody += 1
            if inBody == batch { flushBody() }
            binary.append(event)
            if binary.rowCount == binaryBatch { flushBinary() }
            csv.append(event)
            if csv.bytes.count >= 8 << 20 { try flushCSV() }
        }
        flushBody()
        flushBinary()
        try flushCSV()
        return Workload(
            events: events, bodies: bodies, jsonBytes: jsonBytes, eventBytes: min(smallest, largest)...largest,
            meanEventBytes: total / events,
            copyStreams: streams, binaryBytes: binaryBytes, csvFile: csvFile, csvBytes: csvBytes)
    }
}
