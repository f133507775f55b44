import Foundation
import OpenTelemetryProto
import SwiftProtobuf

/// How an OTLP/HTTP body is encoded: binary protobuf or OTLP/JSON. Responses use the request's.
public enum OTLPEncoding: Sendable, Equatable {
    case protobuf
    case json

    /// The encoding a `Content-Type` names; nil for anything else (answer 415). A missing
    /// header means protobuf, OTLP/HTTP's default.
    public init?(contentType: String?) {
        guard let contentType else { self = .protobuf; return }
        let mime = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch mime {
        case "application/x-protobuf", "application/protobuf", "": self = .protobuf
        case "application/json": self = .json
        default: return nil
        }
    }

    public var contentType: String {
        switch self {
        case .protobuf: "application/x-protobuf"
        case .json: "application/json"
        }
    }
}

/// An OTLP body that cannot be decoded at all (the whole request is refused with 400).
public struct OTLPDecodingError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

public enum OTLPDecoder {
    /// Decodes `POST /v1/logs`. OTLP/JSON's hex `traceId`/`spanId` are restored (see ``fixHexIds``).
    public static func logs(_ bytes: [UInt8], _ encoding: OTLPEncoding) throws(OTLPDecodingError) -> ExportLogsRequest {
        var request: ExportLogsRequest = try decode(bytes, encoding)
        if encoding == .json {
            for r in request.resourceLogs.indices {
                for s in request.resourceLogs[r].scopeLogs.indices {
                    for l in request.resourceLogs[r].scopeLogs[s].logRecords.indices {
                        fixHexIds(&request.resourceLogs[r].scopeLogs[s].logRecords[l])
                    }
                }
            }
        }
        return request
    }

    /// Decodes `POST /v1/metrics` (exemplars' trace ids are not used, so not restored).
    public static func metrics(_ bytes: [UInt8], _ encoding: OTLPEncoding) throws(OTLPDecodingError) -> ExportMetricsRequest {
        try decode(bytes, encoding)
    }

    private static func decode<M: SwiftProtobuf.Message>(_ bytes: [UInt8], _ encoding: OTLPEncoding) throws(OTLPDecodingError) -> M {
        do {
            switch encoding {
            case .protobuf:
                return try M(serializedBytes: bytes)
            case .json:
                // OTLP/JSON receivers must ignore unknown fields; swift-protobuf accepts both the
                // lowerCamelCase and the original field names, int64 as strings or numbers, and
                // enums as integers or names.
                var options = JSONDecodingOptions()
                options.ignoreUnknownFields = true
                return try M(jsonUTF8Bytes: bytes, options: options)
            }
        } catch {
            let what = encoding == .json ? "OTLP/JSON" : "OTLP protobuf"
            throw OTLPDecodingError(description: "the body is not a valid \(what) \(M.protoMessageName) (\(error)); check the Content-Type")
        }
    }

    /// OTLP/JSON writes trace and span ids as hex (32 and 16 characters), where the protobuf JSON
    /// mapping expects base64. A base64 decoder reads the hex digits as base64 without
    /// complaint, giving 24 and 12 bytes; encoding those back yields the original hex text, which
    /// is then decoded as hex. Ids that came as real base64 (16 and 8 bytes) are left alone.
    static func fixHexIds(_ record: inout LogRecord) {
        if record.traceID.count == 24, let hex = hexDecode(record.traceID.base64EncodedString()) { record.traceID = hex }
        if record.spanID.count == 12, let hex = hexDecode(record.spanID.base64EncodedString()) { record.spanID = hex }
    }

    static func hexDecode(_ s: String) -> Data? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out = Data(capacity: u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = hexDigit(u[i]), let lo = hexDigit(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}

extension Data {
    /// Lower-case hex, as OTLP/JSON writes trace and span ids.
    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
