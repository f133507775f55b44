import Foundation
import Testing
@testable import SluiceCore

@Suite struct NameBasedUUIDTests {
    @Test func sha1MatchesTheFIPSVectors() {
        func hex(_ d: [UInt8]) -> String { d.map { String(format: "%02x", $0) }.joined() }
        #expect(hex(SHA1.hash("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex(SHA1.hash([UInt8]())) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex(SHA1.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(hex(SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
            == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        // Lengths around the padding boundary (55, 56, 63, 64 bytes): the one- and two-block tails.
        #expect(hex(SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: 55))) == "c1c8bbdc22796e28c0e15163d20899b65621d65a")
        #expect(hex(SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: 56))) == "c2db330f6083854c99d4b5bfb6e8f29f201be699")
        #expect(hex(SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: 64))) == "0098ba824b5c16427bd7a1122a5a442a25ec644d")
    }

    @Test func v5MatchesTheRFCExample() {
        // RFC 9562, appendix A.4: UUIDv5 of "www.example.com" in the DNS namespace.
        #expect(UUID.v5(namespace: .namespaceDNS, name: "www.example.com").lowercased == "2ed6657d-e927-568b-95e1-2665a8aea6a2")
    }

    @Test func v5IsStableAndNameSensitive() {
        let a = UUID.v5(namespace: .namespaceDNS, name: "session|1")
        #expect(a == UUID.v5(namespace: .namespaceDNS, name: "session|1"))
        #expect(a != UUID.v5(namespace: .namespaceDNS, name: "session|2"))
        #expect(a.lowercased.dropFirst(14).first == "5")
    }

    @Test func nanosecondsRoundHalfToEven() {
        #expect(Timestamp(unixNanoseconds: 1_767_323_045_123_456_499).microsecondsSinceEpoch == 1_767_323_045_123_456)
        #expect(Timestamp(unixNanoseconds: 1_767_323_045_123_456_500).microsecondsSinceEpoch == 1_767_323_045_123_456)
        #expect(Timestamp(unixNanoseconds: 1_767_323_045_123_457_500).microsecondsSinceEpoch == 1_767_323_045_123_458)
        #expect(Timestamp(unixNanoseconds: 1_767_323_045_123_456_501).microsecondsSinceEpoch == 1_767_323_045_123_457)
    }
}
