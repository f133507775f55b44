import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the complete lines of a file from a byte offset to its current end, in large chunks.
/// A last line without its newline is still being written: it is not consumed, and the
/// returned offset stops before it, so the next read starts there.
public enum LineFileReader {
    public struct Result: Sendable {
        /// Offset just after the last complete line read.
        public var offset: Int64
        /// Number of the last complete line read (1-based; 0 if none).
        public var lineNumber: Int
        public var bytesRead: Int64
        /// Bytes after the last newline (an incomplete line), left for later.
        public var pendingBytes: Int
    }

    /// Calls `body(line, lineNumber)` for each complete line after `offset` (line `firstLine` is
    /// the first one after it). Lines are passed without their newline (nor a trailing `\r`).
    /// Stops after about `limit` bytes (whole lines), so a caller can store what it mapped and
    /// continue from the returned offset.
    public static func read(
        path: String, from offset: Int64, firstLine: Int, chunkSize: Int = 8 << 20, limit: Int64 = .max,
        _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void
    ) throws -> Result {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ImportError("cannot open \(path): \(String(cString: strerror(errno))); check the path and its permissions") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var filled = 0  // bytes in buffer (carried partial line + newly read)
        var position = offset  // file offset of buffer[0]
        var lineNumber = firstLine - 1
        var consumedOffset = offset
        var bytesRead: Int64 = 0
        while bytesRead < limit || consumedOffset == offset {
            if filled == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }  // a line longer than the buffer
            let n = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + filled, raw.count - filled, off_t(position + Int64(filled)))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImportError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytesRead += Int64(n)
            filled += n
            var start = 0
            try buffer.withUnsafeBufferPointer { b in
                let base = b.baseAddress!
                while start < filled {
                    guard let nl = memchr(base + start, 0x0A, filled - start) else { break }
                    let end = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                    var lineEnd = end
                    if lineEnd > start, base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                    lineNumber += 1
                    try body(UnsafeBufferPointer(start: base + start, count: lineEnd - start), lineNumber)
                    start = end + 1
                }
            }
            consumedOffset = position + Int64(start)
            if start > 0 {
                // Keep the partial line at the front.
                let rest = filled - start
                if rest > 0 {
                    buffer.withUnsafeMutableBytes { raw in
                        _ = memmove(raw.baseAddress!, raw.baseAddress! + start, rest)
                    }
                }
                position += Int64(start)
                filled = rest
            }
        }
        return Result(offset: consumedOffset, lineNumber: lineNumber, bytesRead: bytesRead, pendingBytes: filled)
    }
}
