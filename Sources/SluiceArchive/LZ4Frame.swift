import CLZ4

/// How hard LZ4 works: `fast` (LZ4's default level) or LZ4-HC at a level from 3 to 12.
public enum LZ4Level: Sendable, Equatable, CustomStringConvertible {
    case fast
    case high(Int32)

    /// Parses `fast`, `hc` (level 9) or `hc:N` (3…12).
    public init?(_ text: String) {
        switch text.lowercased() {
        case "fast", "": self = .fast
        case "hc": self = .high(9)
        default:
            let parts = text.lowercased().split(separator: ":")
            guard parts.count == 2, parts[0] == "hc", let n = Int32(parts[1]), (3...12).contains(n) else { return nil }
            self = .high(n)
        }
    }

    var compressionLevel: Int32 {
        switch self {
        case .fast: return 0
        case .high(let n): return n
        }
    }

    public var description: String {
        switch self {
        case .fast: return "fast"
        case .high(let n): return "hc:\(n)"
        }
    }
}

/// A failure of liblz4, with its message.
public struct LZ4Error: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ what: String, code: Int) {
        let name = LZ4F_getErrorName(code).map { String(cString: $0) } ?? "unknown"
        description = "LZ4 \(what) failed: \(name)"
    }

    init(_ description: String) { self.description = description }
}

/// Compresses a stream into one LZ4 frame (`lz4frame.h`): 4 MiB linked blocks and a content
/// checksum, so that the stock `lz4 -d` can read it and detects corruption.
///
/// Pure: bytes in, bytes out; the caller writes them. Not `Sendable`: it owns liblz4 state and
/// is used from one thread.
public final class LZ4FrameEncoder {
    private var context: OpaquePointer?
    private var preferences = LZ4F_preferences_t()
    private var buffer: [UInt8] = []
    /// Payload bytes consumed so far.
    public private(set) var contentSize = 0

    public init(level: LZ4Level = .fast) throws(LZ4Error) {
        var ctx: OpaquePointer?
        let rc = LZ4F_createCompressionContext(&ctx, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(rc) == 0, let ctx else { throw LZ4Error("create compression context", code: rc) }
        context = ctx
        preferences.frameInfo.blockSizeID = LZ4F_max4MB
        preferences.frameInfo.blockMode = LZ4F_blockLinked
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.compressionLevel = level.compressionLevel
        preferences.autoFlush = 0
    }

    deinit { LZ4F_freeCompressionContext(context) }

    /// The frame header. Call once, first.
    public func begin() throws(LZ4Error) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: Int(LZ4F_HEADER_SIZE_MAX))
        let n = header.withUnsafeMutableBytes { LZ4F_compressBegin(context, $0.baseAddress, $0.count, &preferences) }
        guard LZ4F_isError(n) == 0 else { throw LZ4Error("compressBegin", code: n) }
        return Array(header.prefix(n))
    }

    /// Compresses `input`; returns the compressed bytes produced so far (often none: LZ4 buffers
    /// up to a block). The returned buffer is valid until the next call.
    public func update(_ input: UnsafeRawBufferPointer) throws(LZ4Error) -> ArraySlice<UInt8> {
        guard input.count > 0 else { return [] }
        contentSize += input.count
        let bound = LZ4F_compressBound(input.count, &preferences)
        if buffer.count < bound { buffer = [UInt8](repeating: 0, count: bound) }
        let n = buffer.withUnsafeMutableBytes {
            LZ4F_compressUpdate(context, $0.baseAddress, $0.count, input.baseAddress, input.count, nil)
        }
        guard LZ4F_isError(n) == 0 else { throw LZ4Error("compressUpdate", code: n) }
        return buffer[0..<n]
    }

    /// Flushes the last block and writes the end mark and content checksum.
    public func end() throws(LZ4Error) -> [UInt8] {
        let bound = LZ4F_compressBound(0, &preferences)
        var out = [UInt8](repeating: 0, count: bound)
        let n = out.withUnsafeMutableBytes { LZ4F_compressEnd(context, $0.baseAddress, $0.count, nil) }
        guard LZ4F_isError(n) == 0 else { throw LZ4Error("compressEnd", code: n) }
        return Array(out.prefix(n))
    }
}

/// Decompresses one LZ4 frame incrementally, verifying its block and content checksums.
///
/// Feed compressed bytes with ``decode(_:into:)``; ``isComplete`` is true once the frame's end
/// mark and checksum have been read and matched. Not `Sendable`: it owns liblz4 state.
public final class LZ4FrameDecoder {
    private var context: OpaquePointer?
    private var output = [UInt8](repeating: 0, count: 4 << 20)
    public private(set) var isComplete = false
    /// Compressed bytes consumed.
    public private(set) var consumed = 0

    public init() throws(LZ4Error) {
        var ctx: OpaquePointer?
        let rc = LZ4F_createDecompressionContext(&ctx, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(rc) == 0, let ctx else { throw LZ4Error("create decompression context", code: rc) }
        context = ctx
    }

    deinit { LZ4F_freeDecompressionContext(context) }

    /// Decodes `input`, calling `sink` with each run of decompressed bytes.
    public func decode(
        _ input: UnsafeRawBufferPointer, into sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard !input.isEmpty else { return }
        var offset = 0
        var outputFull = false
        if isComplete { throw LZ4Error("data after the end of the LZ4 frame") }
        repeat {
            var srcSize = input.count - offset
            var dstSize = output.count
            let hint = output.withUnsafeMutableBytes { out in
                LZ4F_decompress(context, out.baseAddress, &dstSize, input.baseAddress.map { $0 + offset }, &srcSize, nil)
            }
            guard LZ4F_isError(hint) == 0 else { throw LZ4Error("decompress", code: hint) }
            offset += srcSize
            consumed += srcSize
            if dstSize > 0 {
                try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<dstSize])) }
            }
            outputFull = dstSize == output.count
            if hint == 0 { isComplete = true }
            if srcSize == 0 && dstSize == 0 { break }
        } while !isComplete && (offset < input.count || outputFull)
        if isComplete && offset < input.count { throw LZ4Error("data after the end of the LZ4 frame") }
    }
}
