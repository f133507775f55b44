import Foundation
import Testing
import SluiceCore
@testable import SluiceArchive

/// SigV4 against AWS's published vectors: the Signature Version 4 test suite (service `service`,
/// us-east-1, AKIDEXAMPLE, 2015-08-30T12:36:00Z) and the S3 API reference's own examples.
@Suite struct SigV4Tests {
    static let suite = SigV4(credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                             region: "us-east-1", service: "service")
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    static func authorization(_ added: [(String, String)]) -> String { added.first { $0.0 == "Authorization" }?.1 ?? "" }

    @Test(arguments: [
        ("get-vanilla", "GET", "/", [(String, String)](), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("post-vanilla", "POST", "/", [], "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        ("get-vanilla-query-order-key-case", "GET", "/", [("Param2", "value2"), ("Param1", "value1")],
         "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        ("post-vanilla-query", "POST", "/", [("Param1", "value1")], "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        ("get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", [],
         "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
    ])
    func testSuite(name: String, method: String, path: String, query: [(String, String)], signature: String) {
        let added = Self.suite.sign(method: method, path: path, query: query, headers: [("Host", "example.amazonaws.com")],
                                    payloadHash: SigV4.emptyPayloadHash, date: Self.suiteDate)
        #expect(added.first { $0.0 == "x-amz-date" }?.1 == "20150830T123600Z")
        #expect(Self.authorization(added) == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=\(signature)", "\(name)")
    }

    /// get-vanilla's canonical request, as the suite publishes it.
    @Test func canonicalRequest() {
        let (canonical, signed) = SigV4.canonicalRequest(method: "GET", path: "/", query: [],
                                                         headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
                                                         payloadHash: SigV4.emptyPayloadHash)
        #expect(canonical == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + SigV4.emptyPayloadHash)
        #expect(signed == "host;x-amz-date")
    }

    static let s3 = SigV4(credentials: .init(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                          region: "us-east-1")
    static let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    /// The S3 reference's "GET object" example (Authorization header, range request).
    @Test func s3GetObjectExample() {
        let added = Self.s3.sign(method: "GET", path: "/test.txt", query: [],
                                 headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
                                           ("x-amz-content-sha256", SigV4.emptyPayloadHash)],
                                 payloadHash: SigV4.emptyPayloadHash, date: Self.s3Date)
        #expect(Self.authorization(added) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    /// The S3 reference's "PUT object" example (a signed payload, a key with `$` encoded).
    @Test func s3PutObjectExample() {
        let hash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"  // SHA-256 of "Welcome to Amazon S3."
        let added = Self.s3.sign(method: "PUT", path: "/" + SigV4.uriEncode("test$file.text", keepSlash: true), query: [],
                                 headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                                           ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("x-amz-content-sha256", hash)],
                                 payloadHash: hash, date: Self.s3Date)
        #expect(Self.authorization(added) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
            + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    /// A session token is sent and signed.
    @Test func sessionTokenIsSigned() {
        var signer = Self.suite
        signer.credentials.sessionToken = "TOKEN"
        let added = signer.sign(method: "GET", path: "/", query: [], headers: [("Host", "example.amazonaws.com")],
                                payloadHash: SigV4.emptyPayloadHash, date: Self.suiteDate)
        #expect(added.contains { $0 == ("x-amz-security-token", "TOKEN") })
        #expect(Self.authorization(added).contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"))
    }

    /// The variables: each bad value is an error naming its variable; path style defaults on with an endpoint.
    @Test func environment() throws {
        let base = ["SLUICE_ARCHIVE_URL": "s3://my-bucket/a/b/", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"]
        #expect(try S3Location.fromEnvironment(Configuration([:])) == nil)
        let aws = try #require(try S3Location.fromEnvironment(Configuration(base.merging(["AWS_DEFAULT_REGION": "eu-west-1"]) { $1 })))
        #expect(aws.bucket == "my-bucket" && aws.prefix == "a/b" && aws.region == "eu-west-1" && !aws.pathStyle)
        #expect(aws.endpoint.absoluteString == "https://s3.eu-west-1.amazonaws.com" && aws.partBytes == 16 << 20)
        let local = try #require(try S3Location.fromEnvironment(Configuration(base.merging(["AWS_ENDPOINT_URL": "http://127.0.0.1:9000"]) { $1 })))
        #expect(local.pathStyle && local.endpoint.absoluteString == "http://127.0.0.1:9000")
        for (name, value) in [("SLUICE_ARCHIVE_URL", "https://bucket"), ("SLUICE_ARCHIVE_URL", "s3://B"), ("AWS_ENDPOINT_URL_S3", "ftp://x"),
                              ("SLUICE_ARCHIVE_S3_PATH_STYLE", "maybe"), ("SLUICE_ARCHIVE_S3_PART_MIB", "1"), ("AWS_ACCESS_KEY_ID", "")] {
            #expect(throws: ConfigurationError.self, "\(name)=\(value)") {
                _ = try S3Location.fromEnvironment(Configuration(base.merging([name: value]) { $1 }))
            }
            do {
                _ = try S3Location.fromEnvironment(Configuration(base.merging([name: value]) { $1 }))
            } catch {
                #expect(error.variable == name)
            }
        }
    }
}
