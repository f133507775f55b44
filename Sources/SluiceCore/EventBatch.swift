/// How a request body carries its events.
public enum BatchFormat: Sendable {
    /// A JSON array of events, `{"events": [...]}`, or a single event object.
    case json
    /// One event per line (`application/x-ndjson`); blank lines are skipped.
    case ndjson
}

/// Why a request body as a whole could not be read (an HTTP 400).
public struct BatchError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Splits a request body into events and decodes each on its own, so that one malformed event
/// is refused by itself while the rest of the batch is kept.
public struct EventBatchDecoder: Sendable {
    public var eventDecoder: EventDecoder
    /// Bodies with more events than this are refused as a whole (HTTP 413).
    public var maximumEvents: Int

    public init(eventDecoder: EventDecoder = EventDecoder(), maximumEvents: Int = 10_000) {
        self.eventDecoder = eventDecoder
        self.maximumEvents = maximumEvents
    }

    public enum Failure: Error, Sendable, Equatable {
        case unreadable(BatchError)
        case tooManyEvents(limit: Int)
    }

    /// Decodes every event of `body`, in order.
    public func decode(
        _ body: UnsafeBufferPointer<UInt8>, format: BatchFormat, defaults: EventDecoder.Defaults
    ) throws(Failure) -> [EventDecoder.Outcome] {
        let ranges = try split(body, format: format)
        guard ranges.count <= maximumEvents else { throw .tooManyEvents(limit: maximumEvents) }
        return ranges.map { eventDecoder.decode(body, range: $0, defaults: defaults) }
    }

    public func decode(_ body: [UInt8], format: BatchFormat, defaults: EventDecoder.Defaults = .init()) throws(Failure) -> [EventDecoder.Outcome] {
        try body.withUnsafeBufferPointer { (b) throws(Failure) in try decode(b, format: format, defaults: defaults) }
    }

    /// The byte range of each event in `body`.
    func split(_ body: UnsafeBufferPointer<UInt8>, format: BatchFormat) throws(Failure) -> [Range<Int>] {
        switch format {
        case .ndjson: return splitLines(body)
        case .json:
            do { return try splitJSON(body) } catch { throw .unreadable(BatchError("the body is not a JSON array of events: \(error)")) }
        }
    }

    private func splitLines(_ body: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        for i in 0...body.count where i == body.count || body[i] == 0x0A {
            var lo = start, hi = i
            while lo < hi, isSpace(body[lo]) { lo += 1 }
            while hi > lo, isSpace(body[hi - 1]) { hi -= 1 }
            if lo < hi { out.append(lo..<hi) }
            start = i + 1
        }
        return out
    }

    private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }

    private func splitJSON(_ body: UnsafeBufferPointer<UInt8>) throws(JSONError) -> [Range<Int>] {
        var s = JSONScanner(body)
        switch s.peek() {
        case UInt8(ascii: "["):
            let ranges = try elements(&s)
            try finish(&s)
            return ranges
        case UInt8(ascii: "{"):
            // Either {"events": [...]} or a single event.
            let objectStart = s.index
            var probe = JSONScanner(body, from: objectStart + 1)
            if probe.peek() == UInt8(ascii: "\"") {
                let keyStart = probe.index
                _ = try probe.scanString()
                if probe.bytes(keyStart..<probe.index, equal: "\"events\""), probe.peek() == UInt8(ascii: ":") {
                    probe.index += 1
                    guard probe.peek() == UInt8(ascii: "[") else { throw JSONError("\"events\" must be an array", at: probe.index) }
                    let ranges = try elements(&probe)
                    try probe.expect(UInt8(ascii: "}"), "'}' closing the envelope (only \"events\" is allowed in it)")
                    try finish(&probe)
                    return ranges
                }
            }
            let range = try s.skipValueStructurally()
            try finish(&s)
            return [range]
        case nil:
            throw JSONError("the body is empty", at: 0)
        default:
            throw JSONError("expected '[' or '{'", at: s.index)
        }
    }

    /// The elements of the array at the scanner's position, found structurally.
    private func elements(_ s: inout JSONScanner) throws(JSONError) -> [Range<Int>] {
        try s.expect(UInt8(ascii: "["), "'['")
        var out: [Range<Int>] = []
        if s.peek() == UInt8(ascii: "]") { s.index += 1; return out }
        while true {
            let r = try s.skipValueStructurally()
            guard !r.isEmpty else { throw JSONError("expected an event", at: s.index) }
            out.append(r)
            guard let c = s.peek() else { throw JSONError("unexpected end of input inside the array", at: s.index) }
            s.index += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { return out }
            throw JSONError("expected ',' or ']' between events", at: s.index - 1)
        }
    }

    private func finish(_ s: inout JSONScanner) throws(JSONError) {
        s.skipWhitespace()
        guard s.atEnd else { throw JSONError("trailing characters after the JSON", at: s.index) }
    }
}
