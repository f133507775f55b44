import CLibPQ

/// The settings of a libpq connection string (URI or keyword/value form), parsed by libpq itself
/// (`PQconninfoParse`): only those the string sets.
public enum ConnectionInfo {
    /// The keywords `conninfo` sets (`host`, `port`, `user`, `dbname`, …) and their values; a
    /// string libpq cannot parse throws ``StoreError/unavailable(_:)`` with libpq's reason.
    public static func parse(_ conninfo: String) throws(StoreError) -> [String: String] {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &message) else {
            let reason = message.map { String(cString: $0) } ?? "out of memory"
            if let message { PQfreemem(message) }
            throw .unavailable("the connection string cannot be parsed: \(reason)")
        }
        defer { PQconninfoFree(options) }
        var settings: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { settings[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return settings
    }
}
