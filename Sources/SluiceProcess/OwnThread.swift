import Foundation

/// Runs blocking `body` on a new thread and returns what it returns, leaving the calling task's
/// cooperative thread free meanwhile (there are two on these machines).
public func onOwnThread<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: Result { () throws(E) -> T in try body() }) }.start()
    }
    return try result.get()
}
