import Foundation
import Hummingbird
import NIOCore
import SluiceCore

/// A JSON error body, `{"error": "..."}`, with an optional `Retry-After`.
func errorResponse(_ status: HTTPResponse.Status, _ message: String, retryAfter: Int? = nil) -> Response {
    var body: [UInt8] = Array("{\"error\":".utf8)
    appendJSONString(message, to: &body)
    body.append(UInt8(ascii: "}"))
    var headers: HTTPFields = [.contentType: "application/json"]
    if let retryAfter { headers[.retryAfter] = String(retryAfter) }
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
}

func jsonResponse(_ status: HTTPResponse.Status = .ok, bytes: [UInt8]) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// Encodes a Codable value as a JSON response.
func jsonResponse(encoding value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { return errorResponse(.internalServerError, "cannot encode the response") }
    return jsonResponse(status, bytes: Array(data))
}
