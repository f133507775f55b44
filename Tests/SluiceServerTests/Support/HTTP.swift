import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A response as the tests look at it.
struct HTTPResult: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    /// The body parsed as JSON.
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    var results: [[String: Any]] { json["results"] as? [[String: Any]] ?? [] }
}

/// Sends one request over a real socket to `127.0.0.1:port`.
func request(
    _ method: HTTPMethod = .POST, port: Int, _ path: String, body: [UInt8]? = nil,
    headers: [(String, String)] = [("Content-Type", "application/json")], timeout: TimeAmount = .seconds(30)
) async throws -> HTTPResult {
    var req = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    req.method = method
    for (k, v) in headers { req.headers.add(name: k, value: v) }
    if let body { req.body = .bytes(ByteBuffer(bytes: body)) }
    let response = try await HTTPClient.shared.execute(req, timeout: timeout)
    let buffer = try await response.body.collect(upTo: 64 << 20)
    return HTTPResult(status: Int(response.status.code), headers: response.headers, body: String(buffer: buffer))
}

func post(
    port: Int, path: String = "/v1/events", _ json: String, headers: [(String, String)] = [("Content-Type", "application/json")],
    timeout: TimeAmount = .seconds(30)
) async throws -> HTTPResult {
    try await request(.POST, port: port, path, body: Array(json.utf8), headers: headers, timeout: timeout)
}
