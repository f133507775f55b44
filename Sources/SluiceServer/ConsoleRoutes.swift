import Hummingbird
import NIOCore
import SluiceStore

/// The built-in web console: `/` (overview), `/sessions`, `/sessions/{id}`, `/tools`, `/costs`,
/// `/search`, `/pipeline`, the login form (`/login`, `/logout`) and `/console/assets/...`.
///
/// Pages are static shells whose scripts read the JSON API (the one query layer) and build the
/// DOM with text nodes only, so nothing from an event is ever parsed as HTML. With keys, a page
/// asks for one: the login form posts it, it is checked like a bearer key and kept in the
/// ``ConsoleCookie``; a project key sees its project only, as on the API.
struct ConsoleRoutes: Sendable {
    let auth: Authenticator
    let assets: ConsoleAssets

    /// Route, page name (the shell's `data-page`) and title.
    static let pages: [(path: String, page: String, title: String)] = [
        ("/", "overview", "Overview"), ("/sessions", "sessions", "Sessions"), ("/sessions/{id}", "session", "Session"),
        ("/tools", "tools", "Tools"), ("/costs", "costs", "Costs"), ("/search", "search", "Search"),
        ("/pipeline", "pipeline", "Pipeline"),
    ]

    /// What every console response carries: no script, style or connection from another origin, no framing.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .xContentTypeOptions: "nosniff",
        .init("Referrer-Policy")!: "same-origin",  // not no-referrer: with it, a form post sends "Origin: null"
        .cacheControl: "no-cache",
    ]

    func register(on router: Router<SluiceRequestContext>) {
        for page in Self.pages {
            router.get(RouterPath(page.path)) { request, _ in
                try await self.page(request, name: page.page, title: page.title)
            }
        }
        router.get("/console/assets/{name}") { _, context in
            guard let name = context.parameters.get("name"), let asset = assets.files[name] else {
                return html(.notFound, "<!doctype html><title>Not found</title><p>No such console file.</p>")
            }
            var headers = Self.securityHeaders
            headers[.contentType] = asset.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.bytes))
        }
        router.get("/login") { request, _ in
            if await auth.isOpen() { return redirect(to: "/") }
            return loginPage(.ok, next: safeNext(try? QueryParameters(request)["next"]), error: "")
        }
        router.post("/login") { request, _ in
            guard Self.sameOrigin(request) else { return html(.forbidden, "<!doctype html><title>Sluice</title><p>The form was posted from another site.</p>") }
            return try await login(request)
        }
        router.post("/logout") { request, _ in
            guard Self.sameOrigin(request) else { return html(.forbidden, "<!doctype html><title>Sluice</title><p>The form was posted from another site.</p>") }
            var response = redirect(to: "/login")
            response.setCookie(ConsoleCookie.cleared)
            return response
        }
    }

    private func page(_ request: Request, name: String, title: String) async throws -> Response {
        let principal: Principal
        do {
            principal = try await auth.authenticate(ConsoleCookie.readAuthorization(request))
        } catch {
            switch error {
            case .missing, .invalid:
                return redirect(to: "/login?next=" + percentEncoded(request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")))
            case .unavailable:
                return html(.serviceUnavailable, "<!doctype html><title>Sluice</title><p>The database is unavailable; this page will work again once it is back.</p>")
            }
        }
        let (access, project, who): (String, String, String) = switch principal {
        case .open: ("open", "", "open (no API keys, loopback only)")
        case .key(let key) where key.isAdmin || key.projectId == nil: ("admin", "", "admin key \(key.prefix)…")
        case .key(let key): ("project", key.projectId.map(String.init) ?? "", "project \(key.projectId ?? 0) key \(key.prefix)…")
        }
        return html(.ok, filled(assets.shell, ["page": name, "title": title, "access": access, "project": project, "who": who]))
    }

    private func login(_ request: Request) async throws -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: 16_384)).map { String(buffer: $0) } ?? ""
        let form = try? QueryParameters(query: body)
        let next = safeNext(form?["next"])
        guard let key = form?["key"]?.trimmingCharacters(in: " "), !key.isEmpty else {
            return loginPage(.badRequest, next: next, error: "Enter an API key (create one with `sluice keys create`).")
        }
        do {
            _ = try await auth.authenticate("Bearer " + key)
        } catch {
            switch error {
            case .missing, .invalid: return loginPage(.unauthorized, next: next, error: "That key is not valid or was revoked.")
            case .unavailable: return loginPage(.serviceUnavailable, next: next, error: "Cannot check the key: the database is unavailable. Try again.")
            }
        }
        guard let cookie = ConsoleCookie.holding(key) else {
            return loginPage(.unauthorized, next: next, error: "That key is not valid or was revoked.")
        }
        var response = redirect(to: next)
        response.setCookie(cookie)
        return response
    }

    private func loginPage(_ status: HTTPResponse.Status, next: String, error: String) -> Response {
        html(status, filled(assets.login, ["next": next, "error": error]))
    }

    /// Whether a form post comes from this server's own pages: browsers send `Origin` with every
    /// POST, and another site's page cannot log a visitor in (with its key) or out. A client that
    /// sends no `Origin` (curl) is not a browser on another site.
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    /// Where to go after login: a path of this server only (never `//host` or `scheme:`), else `/`.
    private func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/" }
        return next
    }

    private func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private func redirect(to location: String) -> Response {
        var headers = Self.securityHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    private func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
