#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibPQ

/// Asks PostgreSQL to stop the statement a connection is running (`PQcancel`), from any thread.
///
/// `@unchecked Sendable` is safe: libpq documents `PQcancel` as callable from a thread other
/// than the one using the connection (it only reads the `PGcancel` object, which holds a copy of
/// the connection's address and keys, not the connection), and the object is freed only in
/// `deinit`, when no thread holds the handle any more.
final class CancelHandle: @unchecked Sendable {
    private let handle: OpaquePointer

    init?(_ conn: OpaquePointer) {
        guard let handle = PQgetCancel(conn) else { return nil }
        self.handle = handle
    }

    deinit { PQfreeCancel(handle) }

    /// Sends the cancel request; blocks while it connects to the server. Returns libpq's reason
    /// when the request could not be sent. A statement that already ended is not affected.
    @discardableResult
    func cancel() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        return buffer.withUnsafeMutableBufferPointer { b in
            PQcancel(handle, b.baseAddress, Int32(b.count)) == 1 ? nil : String(cString: b.baseAddress!)
        }
    }
}
