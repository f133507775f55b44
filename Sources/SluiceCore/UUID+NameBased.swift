import Foundation

extension UUID {
    /// A name-based UUID (RFC 9562 version 5): the SHA-1 of `namespace` followed by `name`,
    /// truncated to 128 bits, with the version and variant bits set. The same namespace and name
    /// always give the same UUID, so an event whose id is derived from its content is stored once
    /// however often it is retried.
    public static func v5(namespace: UUID, name: some Sequence<UInt8>) -> UUID {
        var sha = SHA1()
        sha.update(namespace.bytes)
        sha.update(name)
        var d = sha.finalize()
        d[6] = 0x50 | (d[6] & 0x0F)
        d[8] = 0x80 | (d[8] & 0x3F)
        return UUID(uuid: (d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]))
    }

    public static func v5(namespace: UUID, name: String) -> UUID {
        v5(namespace: namespace, name: name.utf8)
    }

    /// RFC 9562's namespace for domain names (used by the standard's test vectors).
    public static let namespaceDNS = UUID(uuid: (0x6B, 0xA7, 0xB8, 0x10, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8))
}
