import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Signed S3 requests over async-http-client, made synchronously: each call blocks the calling
/// thread (the archive runs on a connection's own thread, never on Swift's cooperative pool)
/// until the response is in.
struct S3Client: Sendable {
    let location: S3Location

    /// One client for the process, never shut down (like `HTTPClient.shared`). It does not retry
    /// a refused connection until the deadline: an unreachable store fails the request at once.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(120))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// How long one request may take, whole body included.
    static let timeout = TimeAmount.seconds(300)

    /// The object key for `name` under the prefix.
    func key(_ name: String) -> String { location.prefix.isEmpty ? name : "\(location.prefix)/\(name)" }

    /// `s3://bucket/key`, for messages.
    func describe(_ key: String) -> String { "s3://\(location.bucket)/\(key)" }

    /// Sends one request; `key` nil addresses the bucket. Throws ``ArchiveError/store`` when the
    /// store cannot be reached; a response of any status is returned.
    func send(_ method: HTTPMethod, key: String?, query: [(String, String)] = [], body: [UInt8] = [],
              operation: String) throws -> Response {
        let objectPath = key.map { "/" + SigV4.uriEncode($0, keepSlash: true) } ?? "/"
        let host: String
        let path: String
        let endpointHost = location.endpoint.host!
        let port = location.endpoint.port.map { ":\($0)" } ?? ""
        if location.pathStyle {
            host = endpointHost + port
            path = "/\(location.bucket)" + (key == nil ? "" : objectPath)
        } else {
            host = "\(location.bucket).\(endpointHost)" + port
            path = objectPath
        }
        let payloadHash = SigV4.hex(SHA256.hash(data: body))
        var headers: [(String, String)] = [("host", host), ("x-amz-content-sha256", payloadHash)]
        if !body.isEmpty || method == .PUT {
            headers.append(("content-md5", Data(Insecure.MD5.hash(data: body)).base64EncodedString()))
        }
        let signer = SigV4(credentials: location.credentials, region: location.region)
        headers += signer.sign(method: method.rawValue, path: path, query: query, headers: headers, payloadHash: payloadHash, date: Date())
        let queryText = query.map { "\(SigV4.uriEncode($0.0))=\(SigV4.uriEncode($0.1))" }.joined(separator: "&")
        let url = "\(location.endpoint.scheme!)://\(host)\(path)" + (queryText.isEmpty ? "" : "?\(queryText)")
        let where_ = describe(key ?? "")
        do {
            let request = try HTTPClient.Request(url: url, method: method, headers: HTTPHeaders(headers),
                                                 body: body.isEmpty && method != .PUT ? nil : .bytes(body))
            let response = try Self.http.execute(request: request, deadline: .now() + Self.timeout).wait()
            return Response(status: Int(response.status.code), headers: response.headers, body: response.body ?? ByteBuffer())
        } catch {
            throw ArchiveError.store(location: where_, operation: operation, reason: "\(error)")
        }
    }

    /// Like ``send(_:key:query:body:operation:)``, and a status other than 2xx is an error.
    func checked(_ method: HTTPMethod, key: String?, query: [(String, String)] = [], body: [UInt8] = [],
                 operation: String) throws -> Response {
        let response = try send(method, key: key, query: query, body: body, operation: operation)
        guard (200..<300).contains(response.status) else { throw failure(response, key: key, operation: operation) }
        return response
    }

    func failure(_ response: Response, key: String?, operation: String) -> ArchiveError {
        let text = String(buffer: response.body)
        let code = XMLText.values("Code", in: text).first
        let message = XMLText.values("Message", in: text).first
        let detail = [code, message].compactMap { $0 }.joined(separator: ": ")
        return .store(location: describe(key ?? ""), operation: operation,
                      reason: "HTTP \(response.status)" + (detail.isEmpty ? "" : " (\(detail))"))
    }
}

/// The few S3 XML answers read here, by element name (S3's element names do not nest in themselves).
enum XMLText {
    /// The text of every `<name>…</name>` in `xml`, unescaped, in order.
    static func values(_ name: String, in xml: String) -> [String] {
        elements(name, in: xml).map(unescape)
    }

    /// The raw content of every `<name>…</name>` in `xml`, in order.
    static func elements(_ name: String, in xml: String) -> [String] {
        var found: [String] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(name)>"), let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex) {
            found.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return found
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&#34;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
