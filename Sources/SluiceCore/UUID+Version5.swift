import Foundation

extension UUID {
    /// A name-based UUID (RFC 9562 version 5: SHA-1 of the namespace's bytes and the name's UTF-8).
    /// The same namespace and name always give the same UUID, so an event whose id is derived
    /// from its source is stored once however often it is imported.
    public static func v5(namespace: UUID, name: String) -> UUID {
        var name = name
        return name.withUTF8 { v5(namespace: namespace, name: UnsafeRawBufferPointer($0)) }
    }

    /// A name-based UUID of a name given as bytes.
    public static func v5(namespace: UUID, name: some Sequence<UInt8>) -> UUID {
        let message = namespace.bytes + Array(name)
        return message.withUnsafeBytes { v5(digest: SHA1.digest($0)) }
    }

    private static func v5(namespace: UUID, name: UnsafeRawBufferPointer) -> UUID {
        var message = namespace.bytes
        message.append(contentsOf: name)
        return message.withUnsafeBytes { v5(digest: SHA1.digest($0)) }
    }

    private static func v5(digest: [UInt8]) -> UUID {
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { p in
            for k in 0..<16 { p[k] = digest[k] }
            p[6] = 0x50 | (p[6] & 0x0F)
            p[8] = 0x80 | (p[8] & 0x3F)
        }
        return UUID(uuid: raw)
    }

    /// RFC 9562's namespace for domain names (`6ba7b810-9dad-11d1-80b4-00c04fd430c8`).
    public static let namespaceDNS = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!

    /// RFC 9562's namespace for URLs (`6ba7b811-9dad-11d1-80b4-00c04fd430c8`).
    public static let namespaceURL = UUID(uuidString: "6ba7b811-9dad-11d1-80b4-00c04fd430c8")!
}

extension JSONText {
    /// Wraps bytes that the caller built as valid JSON by construction (every string escaped,
    /// no NUL, UTF-8 from Swift strings, shallow nesting): importers build their events' JSON
    /// this way and skip re-validating it. Use ``JSONText/init(_:)`` for anything else.
    public init(uncheckedBuiltBytes bytes: [UInt8]) { self.init(validated: bytes) }
}
