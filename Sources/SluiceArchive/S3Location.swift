import Foundation
import SluiceCore

/// An S3-compatible bucket and prefix for the archive, with the endpoint, region and credentials
/// to reach it: `SLUICE_ARCHIVE_URL=s3://bucket/prefix` and the usual `AWS_*` variables.
public struct S3Location: Sendable, Equatable {
    public var bucket: String
    /// The key prefix, without a trailing `/` (empty for the bucket's root).
    public var prefix: String
    /// Scheme, host and port of the store (`AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else
    /// AWS's regional endpoint).
    public var endpoint: URL
    public var region: String
    public var credentials: SigV4.Credentials
    /// `endpoint/bucket/key` rather than `bucket.endpoint/key` (self-hosted stores).
    public var pathStyle: Bool
    /// Parts larger than this are uploaded in multipart pieces of this size (S3's minimum is 5 MiB).
    public var partBytes: Int
    /// A test hook: the multipart upload fails (as a store error would) after this many pieces.
    var failAfterPieces: Int?

    public init(bucket: String, prefix: String, endpoint: URL, region: String, credentials: SigV4.Credentials,
                pathStyle: Bool, partBytes: Int = 16 << 20) {
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.pathStyle = pathStyle
        self.partBytes = partBytes
    }

    /// `s3://bucket/prefix`.
    public var url: String { "s3://\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)") }

    /// Reads `SLUICE_ARCHIVE_URL` (nil when unset), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, `AWS_REGION` / `AWS_DEFAULT_REGION` (default `us-east-1`),
    /// `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, `SLUICE_ARCHIVE_S3_PATH_STYLE` (`on`/`off`,
    /// default on when an endpoint is given) and `SLUICE_ARCHIVE_S3_PART_MIB` (5 … 5120, default 16).
    public static func fromEnvironment(_ env: Configuration = .current) throws(ConfigurationError) -> S3Location? {
        guard let text = env.string("SLUICE_ARCHIVE_URL") else { return nil }
        let (bucket, prefix) = try env.value("SLUICE_ARCHIVE_URL", default: ("", ""),
                                             expected: "s3://bucket or s3://bucket/prefix (a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens)",
                                             parse: parseURL)
        func required(_ name: String) throws(ConfigurationError) -> String {
            guard let value = env.string(name) else {
                throw ConfigurationError(variable: name, value: "", expected: "set: SLUICE_ARCHIVE_URL is \(text), which needs credentials")
            }
            return value
        }
        let credentials = SigV4.Credentials(accessKeyID: try required("AWS_ACCESS_KEY_ID"),
                                            secretAccessKey: try required("AWS_SECRET_ACCESS_KEY"),
                                            sessionToken: env.string("AWS_SESSION_TOKEN"))
        let region = env.string("AWS_REGION") ?? env.string("AWS_DEFAULT_REGION") ?? "us-east-1"
        let endpointName = env.string("AWS_ENDPOINT_URL_S3") != nil ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL"
        let endpoint: URL? = try env.value(endpointName, default: nil, expected: "http(s)://host[:port]") { text in
            guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
                  url.path.isEmpty || url.path == "/", url.query == nil else { return nil }
            return URL(string: "\(scheme)://\(url.host!)" + (url.port.map { ":\($0)" } ?? ""))
        }
        let pathStyle = try env.value("SLUICE_ARCHIVE_S3_PATH_STYLE", default: endpoint != nil, expected: "on or off") { text in
            switch text { case "on", "true", "1": true; case "off", "false", "0": false; default: nil }
        }
        let partMiB = try env.integer("SLUICE_ARCHIVE_S3_PART_MIB", default: 16, in: 5...5_120)
        return S3Location(bucket: bucket, prefix: prefix, endpoint: endpoint ?? URL(string: "https://s3.\(region).amazonaws.com")!,
                          region: region, credentials: credentials, pathStyle: pathStyle, partBytes: partMiB << 20)
    }

    static func parseURL(_ text: String) -> (String, String)? {
        guard text.hasPrefix("s3://") else { return nil }
        let rest = text.dropFirst(5)
        let bucket = String(rest.prefix { $0 != "/" })
        let prefix = rest.dropFirst(bucket.count).split(separator: "/").joined(separator: "/")
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        guard (3...63).contains(bucket.count), bucket.allSatisfy(allowed.contains), !prefix.contains("..") else { return nil }
        return (bucket, prefix)
    }
}
