import Hummingbird

/// The console's cookie: the API key its login form posted, sent back by the browser with every
/// request (`HttpOnly; SameSite=Strict; Path=/`). The read API (`/v1/...` reads, `/v1/status`,
/// `/metrics`) and the console's pages accept it in place of `Authorization: Bearer`; ingest never
/// does, so a page of another site cannot write events with it.
enum ConsoleCookie {
    static let name = "sluice_key"

    /// The credential of a read request: its `Authorization` header, else the cookie's key as a
    /// bearer key, else nil.
    static func readAuthorization(_ request: Request) -> String? {
        if let header = request.headers[.authorization] { return header }
        if let key = request.cookies[name]?.value, !key.isEmpty { return "Bearer " + key }
        return nil
    }

    /// The cookie that holds `key`, or nil when `key` has characters a cookie cannot carry (no
    /// key `sluice keys create` makes has them).
    static func holding(_ key: String) -> Cookie? {
        try? Cookie.validated(name: name, value: key, path: "/", secure: false, httpOnly: true, sameSite: .strict)
    }

    /// The cookie that tells the browser to forget the key.
    static let cleared = Cookie(name: name, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict)
}
