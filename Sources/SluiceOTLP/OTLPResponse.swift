import Foundation
import OpenTelemetryProto
import SwiftProtobuf

/// The bodies of OTLP/HTTP responses, in the request's encoding.
public enum OTLPResponse {
    /// `ExportLogsServiceResponse`: empty when everything was accepted, otherwise
    /// `partial_success` with the number of rejected log records and why.
    public static func logs(rejected: Int, errorMessage: String, _ encoding: OTLPEncoding) -> [UInt8] {
        var response = ExportLogsResponse()
        if rejected > 0 || !errorMessage.isEmpty {
            response.partialSuccess.rejectedLogRecords = Int64(rejected)
            response.partialSuccess.errorMessage = errorMessage
        }
        return encode(response, encoding)
    }

    /// `ExportMetricsServiceResponse`, with `partial_success.rejected_data_points`.
    public static func metrics(rejected: Int, errorMessage: String, _ encoding: OTLPEncoding) -> [UInt8] {
        var response = ExportMetricsResponse()
        if rejected > 0 || !errorMessage.isEmpty {
            response.partialSuccess.rejectedDataPoints = Int64(rejected)
            response.partialSuccess.errorMessage = errorMessage
        }
        return encode(response, encoding)
    }

    /// gRPC status codes used in error bodies.
    public enum Code: Int32, Sendable {
        case invalidArgument = 3, resourceExhausted = 8, unimplemented = 12, `internal` = 13, unavailable = 14, unauthenticated = 16
    }

    /// A `google.rpc.Status` (code, message), the body OTLP/HTTP prescribes for 4xx and 5xx.
    /// Written by hand: two fields do not warrant generating google/rpc/status.proto.
    public static func status(_ code: Code, _ message: String, _ encoding: OTLPEncoding) -> [UInt8] {
        switch encoding {
        case .json:
            var out = Array("{\"code\":\(code.rawValue),\"message\":".utf8)
            JSONTree.string(message).write(to: &out)
            out.append(UInt8(ascii: "}"))
            return out
        case .protobuf:
            var out: [UInt8] = [0x08]
            appendVarint(UInt64(code.rawValue), to: &out)
            let text = Array(message.utf8)
            out.append(0x12)
            appendVarint(UInt64(text.count), to: &out)
            out += text
            return out
        }
    }

    private static func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    private static func encode(_ message: some SwiftProtobuf.Message, _ encoding: OTLPEncoding) -> [UInt8] {
        switch encoding {
        case .protobuf: return (try? message.serializedBytes()) ?? []
        case .json: return (try? message.jsonUTF8Bytes()) ?? Array("{}".utf8)
        }
    }

    /// The `error_message` of a partial success: how many were rejected and the first reasons.
    public static func summary(_ reasons: [String], noun: String, limit: Int = 5) -> String {
        guard !reasons.isEmpty else { return "" }
        var text = "\(reasons.count) \(noun)\(reasons.count == 1 ? "" : "s") rejected: " + reasons.prefix(limit).joined(separator: "; ")
        if reasons.count > limit { text += "; and \(reasons.count - limit) more" }
        return text
    }
}
