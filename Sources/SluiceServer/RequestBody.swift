import CompressNIO
import Hummingbird
import NIOCore

/// Why a request body could not be read (each route answers in its own format).
enum BodyReadFailure: Error {
    /// Over the limit, as sent or once gzip-decoded.
    case tooLarge
    case unsupportedEncoding(String)
    case badGzip(String)
}

/// Collects a request body of at most `limit` bytes and undoes `Content-Encoding: gzip`, checking
/// the limit again on the decoded size (a small gzip body can expand enormously).
func readBody(_ request: Request, limit: Int) async -> Result<ByteBuffer, BodyReadFailure> {
    if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
        return .failure(.tooLarge)
    }
    var request = request
    var body: ByteBuffer
    do {
        body = try await request.collectBody(upTo: limit)
    } catch {
        return .failure(.tooLarge)
    }
    if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
        guard encoding == "gzip" || encoding == "x-gzip" else { return .failure(.unsupportedEncoding(encoding)) }
        do {
            body = try body.decompress(with: .gzip(), maxSize: limit)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            return .failure(.tooLarge)
        } catch {
            return .failure(.badGzip("\(error)"))
        }
    }
    return .success(body)
}
