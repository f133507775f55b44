import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SluiceServer
import SluiceStore
import SluiceTestSupport
import Testing

/// The web console in a real headless Chromium (Debian's `chromium` and `chromium-driver`,
/// installed by scripts/install-deps.sh) against a server holding a known, seeded workload. The
/// numbers on each page are compared with the JSON API's and with raw SQL over `agent_events` for
/// the same range and filters. Screenshots of every page at 1280×800, light and dark, are written
/// to `.build/console-screenshots` (not committed). Without Chromium the tests fail: they never skip.
@Suite(.serialized) struct ConsoleBrowserTests {
    static let screenshots = FileManager.default.currentDirectoryPath + "/.build/console-screenshots"

    struct Fixture {
        var db: String
        var admin: String
        var keyA: String
        var projectA: Int
        var projectB: Int
        var workload: ConsoleWorkload
        var seed: UInt64
    }

    /// A database with two project keys' worth of sessions and an admin key, loaded through a
    /// server's ingest API and projected; `body` gets the running server.
    func withWorkload(_ test: String = #function, _ body: (TestServer, Fixture) async throws -> Void) async throws {
        let seed = SeededGenerator.testSeed(test)
        let db = try await TestDatabase.fresh()
        let (a, b, admin) = try await TestDatabase.query(db) { conn throws(StoreError) in
            (try APIKeys.create(name: "a", projectName: "acme/a", admin: false, on: conn),
             try APIKeys.create(name: "b", projectName: "acme/b", admin: false, on: conn),
             try APIKeys.create(name: "root", projectName: nil, admin: true, on: conn))
        }
        let fixture = Fixture(db: db, admin: admin.key, keyA: a.key, projectA: Int(a.record.projectId!), projectB: Int(b.record.projectId!),
                              workload: ConsoleWorkload(seed: seed, projectA: Int(a.record.projectId!), projectB: Int(b.record.projectId!)), seed: seed)
        var configuration = ServerConfiguration(port: 0)
        configuration.projectionInterval = .milliseconds(100)
        try await TestServer.with(databaseURL: db, configuration: configuration) { server in
            let events = fixture.workload.allEvents
            let posted = try await post(port: server.port, Events.array(events), headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(admin.key)")])
            #expect(posted.status == 200, "seed \(seed): \(posted.body.prefix(300))")
            try await waitUntil("the workload is projected") {
                let o = try await get(server.port, "/v1/overview", key: admin.key).json
                let hits = try await get(server.port, "/v1/chat/search?q=\(ConsoleWorkload.secretWord)", key: admin.key).json["messages"] as? [Any]
                return o["events"] as? Int == events.count && o["sessions"] as? Int == fixture.workload.sessions.count && hits?.count == 1
            }
            try await body(server, fixture)
        }
    }

    func get(_ port: Int, _ path: String, key: String?) async throws -> HTTPResult {
        try await request(.GET, port: port, path, headers: key.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }

    /// Logs in through the form, as a person would.
    func login(_ browser: Browser, _ base: String, key: String) async throws {
        try await browser.open(base + "/")
        let url = try await browser.run("return location.pathname")
        #expect(url as? String == "/login", "a page asks for a key when keys exist")
        try await browser.run("document.getElementById('key').value = arguments[0]; document.querySelector('form').submit()", [key])
        try await waitUntil("the login lands on the overview") {
            try await browser.run("return location.pathname + ':' + (document.body.dataset.page || '')") as? String == "/:overview"
        }
    }

    /// The data-value of every `.card` on the page, by data-key.
    func cards(_ browser: Browser) async throws -> [String: String] {
        try await browser.run("""
            const out = {}; for (const c of document.querySelectorAll('.card')) out[c.dataset.key] = c.dataset.value; return out
            """) as? [String: String] ?? [:]
    }

    /// The API parameters the page used (common.js records them), as a query string.
    func pageQuery(_ browser: Browser) async throws -> String {
        let json = try await browser.run("return document.body.dataset.params || '{}'") as? String ?? "{}"
        let params = (try JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        return params.sorted { $0.key < $1.key }.map { "\($0.key)=\("\($0.value)".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
    }

    func number(_ any: Any?) -> Double? {
        switch any {
        case let n as NSNumber: n.doubleValue
        case let s as String: Double(s)
        default: nil
        }
    }

    func expectClose(_ a: Double?, _ b: Double?, _ what: String, seed: UInt64) {
        guard let a, let b else { Issue.record("seed \(seed): \(what): \(String(describing: a)) vs \(String(describing: b))"); return }
        #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "seed \(seed): \(what): \(a) vs \(b)")
    }

    /// Loads `path`, waits for its first render, checks it has no console errors and no error
    /// banner, and writes its screenshots (light and dark).
    func visit(_ browser: Browser, _ base: String, _ path: String, name: String, seed: UInt64) async throws {
        try await browser.colorScheme("light")
        try await browser.open(base + path)
        try await browser.waitRendered(path)
        #expect(try await browser.pageError() == "", "seed \(seed): \(path) shows an error")
        #expect(try await browser.consoleErrors() == [], "seed \(seed): \(path) logs errors")
        try await browser.screenshot(to: "\(Self.screenshots)/\(name)-light.png")
        try await browser.colorScheme("dark")
        try await browser.screenshot(to: "\(Self.screenshots)/\(name)-dark.png")
        try await browser.colorScheme("light")
    }

    @Test func everyPageShowsTheAPIsAndTheRawSQLsNumbers() async throws {
        try await withWorkload { server, f in
            let base = "http://127.0.0.1:\(server.port)"
            let seed = f.seed
            try await Browser.with { browser in
                try await browser.viewport(width: 1280, height: 800)
                try await login(browser, base, key: f.admin)

                // Overview, over 24 hours and over 7 days of project A.
                for path in ["/?range=24h", "/?range=7d&project=\(f.projectA)"] {
                    try await visit(browser, base, path, name: path.contains("project") ? "overview-project" : "overview", seed: seed)
                    let shown = try await cards(browser)
                    let query = try await pageQuery(browser)
                    let api = try await get(server.port, "/v1/overview?\(query)", key: f.admin).json
                    let keys = ["events", "sessions", "llmRequests", "tokensIn", "tokensOut", "tokensCacheRead", "tokensCacheWrite", "costUSD",
                                "errorRate", "toolSuccessRate", "p50Ms", "p95Ms"]
                    for key in keys { expectClose(number(shown[key]), number(api[key]), "overview \(path) \(key): page vs API", seed: seed) }
                    let params = (try JSONSerialization.jsonObject(with: Data((try await browser.run("return document.body.dataset.params") as? String ?? "{}").utf8))) as? [String: Any] ?? [:]
                    let from = params["from"] as? String
                    let project = (params["project"] as? String) ?? nil
                    let raw = try await TestDatabase.query(f.db) { conn throws(StoreError) in
                        try conn.execute("""
                            SELECT count(*), count(*) FILTER (WHERE event_type = 'error_encountered' OR severity IN ('error', 'critical')),
                                   count(*) FILTER (WHERE event_type = 'llm_request'),
                                   coalesce(sum((metrics->>'inputTokens')::numeric), 0), coalesce(sum((metrics->>'outputTokens')::numeric), 0),
                                   coalesce(sum((metrics->>'cacheReadTokens')::numeric), 0), coalesce(sum((metrics->>'cacheCreationTokens')::numeric), 0),
                                   coalesce(sum((metrics->>'cost')::numeric), 0),
                                   (SELECT count(*) FROM (SELECT session_id FROM agent_events WHERE ($2::int IS NULL OR project_id = $2::int)
                                                          GROUP BY 1 HAVING min("timestamp") >= $1::timestamptz) s)
                            FROM agent_events WHERE "timestamp" >= $1::timestamptz AND ($2::int IS NULL OR project_id = $2::int)
                            """, [from, project]).requireRow().values
                    }
                    for (i, key) in ["events", "errors", "llmRequests", "tokensIn", "tokensOut", "tokensCacheRead", "tokensCacheWrite", "costUSD", "sessions"].enumerated()
                    where key != "errors" {
                        expectClose(number(shown[key]), number(raw[i]), "overview \(path) \(key): page vs raw SQL", seed: seed)
                    }
                    #expect(number(shown["events"]) ?? 0 > 0, "seed \(seed): the range holds events")
                    let costly = try await browser.run("return [...document.querySelectorAll('#panel-sessions tbody a')].map(a => a.getAttribute('href').split('/')[2])") as? [String] ?? []
                    let sqlCostly = try await TestDatabase.query(f.db) { conn throws(StoreError) in
                        try conn.execute("""
                            SELECT session_id::text FROM agent_events WHERE ($2::int IS NULL OR project_id = $2::int)
                            GROUP BY session_id HAVING min("timestamp") >= $1::timestamptz AND sum((metrics->>'cost')::numeric) > 0
                            ORDER BY sum((metrics->>'cost')::numeric) DESC, min("timestamp") DESC, session_id DESC LIMIT 10
                            """, [from, project]).rows.map { $0[0] ?? "" }
                    }
                    #expect(costly == sqlCostly && !costly.isEmpty, "seed \(seed): costliest sessions \(costly) vs SQL \(sqlCostly)")
                }

                // Sessions: the first page, newest first, as the API and SQL list them.
                try await visit(browser, base, "/sessions?range=7d", name: "sessions", seed: seed)
                let listed = try await browser.run("return [...document.querySelectorAll('tbody a')].map(a => a.getAttribute('href').split('/')[2])") as? [String] ?? []
                let apiSessions = (try await get(server.port, "/v1/sessions?\(try await pageQuery(browser))&limit=50", key: f.admin).json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                let sqlSessions = try await TestDatabase.query(f.db) { conn throws(StoreError) in
                    try conn.execute("""
                        SELECT session_id::text FROM agent_events GROUP BY session_id ORDER BY min("timestamp") DESC, session_id DESC
                        """).rows.map { $0[0] ?? "" }
                }
                #expect(listed == apiSessions && listed == sqlSessions, "seed \(seed): sessions page \(listed) API \(apiSessions) SQL \(sqlSessions)")

                // A session page: its events in order; markup in a prompt is text.
                let xss = f.workload.xssSession
                try await visit(browser, base, "/sessions/\(xss)", name: "session", seed: seed)
                let timeline = try await browser.run("return [...document.querySelectorAll('#timeline li')].map(li => li.dataset.id)") as? [String] ?? []
                let sqlTimeline = try await TestDatabase.query(f.db) { conn throws(StoreError) in
                    try conn.execute(#"SELECT id::text FROM agent_events WHERE session_id = $1::uuid ORDER BY "timestamp", id"#, [xss]).rows.map { $0[0] ?? "" }
                }
                #expect(timeline == sqlTimeline && !timeline.isEmpty, "seed \(seed): the timeline is the session's events in order")
                let rendered = try await browser.run("""
                    return { text: [...document.querySelectorAll('#timeline pre.text')].some(p => p.textContent.includes(arguments[0])),
                             scripts: document.scripts.length, injected: document.querySelectorAll('#timeline script, #timeline img').length,
                             flag: window.__xss === undefined ? 'none' : 'set' }
                    """, [ConsoleWorkload.markup]) as? [String: Any] ?? [:]
                #expect(rendered["text"] as? Bool == true, "seed \(seed): the markup shows as text")
                #expect(rendered["scripts"] as? Int == 3 && rendered["injected"] as? Int == 0 && rendered["flag"] as? String == "none",
                        "seed \(seed): nothing from the event became an element: \(rendered)")
                let sessionCards = try await cards(browser)
                let apiSession = try await get(server.port, "/v1/sessions/\(xss)", key: f.admin).json["metrics"] as? [String: Any] ?? [:]
                for key in ["events", "llmRequests", "inputTokens", "outputTokens", "costUSD", "errors"] {
                    expectClose(number(sessionCards[key]), number(apiSession[key]), "session \(key): page vs API", seed: seed)
                }

                // Tools, costs and search.
                try await visit(browser, base, "/tools?range=7d", name: "tools", seed: seed)
                let toolUses = try await browser.run("return [...document.querySelectorAll('tbody [data-value]')].reduce((a, n) => a + Number(n.dataset.value), 0)")
                let apiTools = try await get(server.port, "/v1/tools?\(try await pageQuery(browser))", key: f.admin).json["tools"] as? [[String: Any]] ?? []
                let sqlToolUses = try await TestDatabase.query(f.db) { conn throws(StoreError) in
                    try conn.execute("SELECT count(*) FROM agent_events WHERE event_type = 'tool_use'").value(Int.self)
                }
                expectClose(number(toolUses), Double(apiTools.reduce(0) { $0 + ($1["uses"] as? Int ?? 0) }), "tool uses: page vs API", seed: seed)
                expectClose(number(toolUses), Double(sqlToolUses), "tool uses: page vs raw SQL", seed: seed)

                try await visit(browser, base, "/costs?range=7d", name: "costs", seed: seed)
                let totals = try await browser.run("return [...document.querySelectorAll('tfoot .total')].map(n => n.dataset.value)") as? [String] ?? []
                let query = try await pageQuery(browser)
                let sqlCost = try await TestDatabase.query(f.db) { conn throws(StoreError) in
                    try conn.execute("SELECT sum((metrics->>'cost')::numeric)::text FROM agent_events").value(String.self)
                }
                #expect(totals.count == 4, "seed \(seed): one total per grouping")
                for (i, grouping) in ["model", "project", "agent", "day"].enumerated() {
                    let rows = try await get(server.port, "/v1/costs?\(query)&group_by=\(grouping)", key: f.admin).json["costs"] as? [[String: Any]] ?? []
                    let api = rows.reduce(0.0) { $0 + (number($1["costUSD"]) ?? 0) }
                    expectClose(number(totals.count > i ? totals[i] : nil), api, "costs by \(grouping): page vs API", seed: seed)
                    expectClose(number(totals.count > i ? totals[i] : nil), Double(sqlCost), "costs by \(grouping): page vs raw SQL", seed: seed)
                }

                try await visit(browser, base, "/search?q=flaky+test", name: "search", seed: seed)
                let hits = try await browser.run("return [...document.querySelectorAll('#results li')].map(li => li.dataset.id)") as? [String] ?? []
                let apiHits = (try await get(server.port, "/v1/chat/search?q=flaky+test&limit=20", key: f.admin).json["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(hits == apiHits && !hits.isEmpty, "seed \(seed): search hits \(hits.count) vs API \(apiHits.count)")
                // A hit opens its session at that message.
                try await browser.run("document.querySelector('#results li a').click()")
                try await waitUntil("the hit's session opens") {
                    try await browser.run("return document.body.dataset.page === 'session' && document.body.dataset.ready === 'true'") as? Bool == true
                }
                let target = try await browser.run("const t = document.querySelector('#timeline li.target'); return t ? t.dataset.id : ''") as? String
                #expect(target == hits.first, "seed \(seed): the session opens at the message")

                try await visit(browser, base, "/pipeline", name: "pipeline", seed: seed)
                let parts = try await browser.run("return document.querySelectorAll('tbody tr').length") as? Int
                #expect(parts == 3, "seed \(seed): one row per projector part")

                // A phone-sized overview.
                try await browser.viewport(width: 390, height: 844)
                try await visit(browser, base, "/?range=24h", name: "overview-phone", seed: seed)
                let overflow = try await browser.run("return document.documentElement.scrollWidth > window.innerWidth + 1") as? Bool
                #expect(overflow == false, "seed \(seed): the overview fits a phone's width")
                try await browser.viewport(width: 1280, height: 800)
            }
        }
    }

    @Test func openPagesRefreshThemselvesWhileEventsArrive() async throws {
        try await withWorkload { server, f in
            let base = "http://127.0.0.1:\(server.port)"
            let seed = f.seed
            try await Browser.with { browser in
                try await login(browser, base, key: f.admin)
                let session = f.workload.sessions[1]
                try await browser.open(base + "/sessions/\(session.id)")
                try await browser.waitRendered("the session page")
                let id = UUID().uuidString.lowercased()
                let event = Events.json(id: UUID(uuidString: id)!, at: Date(), project: session.project,
                                        #""sessionId":"\#(session.id)","agentId":"\#(session.agent)","data":{"toolName":"Bash","command":"echo live"}"#)
                let posted = try await post(port: server.port, Events.array([event]), headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(f.admin)")])
                #expect(posted.status == 200)
                let acknowledged = ContinuousClock.now
                try await waitUntil("the new event shows on the open session page") {
                    try await browser.run("return !!document.querySelector('#timeline li[data-id=\"' + arguments[0] + '\"]')", [id]) as? Bool == true
                }
                let delay = ContinuousClock.now - acknowledged
                print("live refresh: the session page showed the event \(delay) after its 200")
                // The issue's bound (2 s: one-second polling plus a 100 ms projection step here).
                #expect(delay < .seconds(2), "seed \(seed): the event showed after \(delay)")
                #expect(try await browser.consoleErrors() == [])

                // The overview's totals count it too, without a reload.
                try await browser.open(base + "/?range=24h")
                try await browser.waitRendered("the overview")
                let before = number(try await cards(browser)["events"]) ?? 0
                let second = Events.json(at: Date(), project: session.project, #""sessionId":"\#(session.id)","agentId":"\#(session.agent)""#)
                #expect(try await post(port: server.port, Events.array([second]), headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(f.admin)")]).status == 200)
                try await waitUntil("the overview counts the new event") { number(try await cards(browser)["events"]) == before + 1 }
                #expect(try await browser.run("return performance.getEntriesByType('navigation').length") as? Int == 1, "no reload")
            }
        }
    }

    /// The cookie the login form sets, where it is accepted, and logout; over a client that does
    /// not follow redirects.
    func cookieChecks(_ server: TestServer, _ f: Fixture) async throws {
        let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
        do {
            try await cookieChecks(server, f, client)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func cookieChecks(_ server: TestServer, _ f: Fixture, _ client: HTTPClient) async throws {
        func send(_ method: NIOHTTP1.HTTPMethod, _ path: String, _ body: String? = nil, _ headers: [(String, String)]) async throws -> HTTPResult {
            var req = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)\(path)")
            req.method = method
            for (k, v) in headers { req.headers.add(name: k, value: v) }
            if let body { req.body = .bytes(ByteBuffer(string: body)) }
            let response = try await client.execute(req, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return HTTPResult(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
        }
        let form = [("Content-Type", "application/x-www-form-urlencoded")]
        let loggedIn = try await send(.POST, "/login", "key=\(f.keyA)&next=%2Fsessions", form)
        let cookie = loggedIn.headers["Set-Cookie"].first ?? ""
        #expect(loggedIn.status == 303 && loggedIn.headers["Location"].first == "/sessions")
        #expect(cookie.contains("sluice_key=\(f.keyA)") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "\(cookie)")
        let bad = try await send(.POST, "/login", "key=slc_nope", form)
        #expect(bad.status == 401 && bad.body.contains("not valid") && !bad.headers.contains(name: "Set-Cookie"))
        let crossSite = try await send(.POST, "/login", "key=\(f.keyA)", form + [("Origin", "https://evil.example")])
        #expect(crossSite.status == 403 && !crossSite.headers.contains(name: "Set-Cookie"), "another site cannot post the login form")
        let evil = try await send(.POST, "/login", "key=\(f.keyA)&next=%2F%2Fevil.example", form)
        #expect(evil.headers["Location"].first == "/", "next never leaves the server")
        let withCookie = [("Cookie", "sluice_key=\(f.keyA)")]
        #expect(try await request(.GET, port: server.port, "/v1/sessions", headers: withCookie).status == 200)
        let ingest = try await post(port: server.port, Events.array([Events.json(project: f.projectA)]), headers: withCookie + [("Content-Type", "application/json")])
        #expect(ingest.status == 401, "ingest never takes the cookie")
        let anonymous = try await send(.GET, "/sessions?range=7d", nil, [])
        #expect(anonymous.status == 303 && anonymous.headers["Location"].first == "/login?next=/sessions%3Frange%3D7d",
                "a page without a key goes to the login form")
        let loggedOut = try await send(.POST, "/logout", nil, withCookie)
        #expect(loggedOut.status == 303 && (loggedOut.headers["Set-Cookie"].first ?? "").contains("Max-Age=0"))
    }

    /// With no key on a loopback listener the console is open, as the API is; its pages and files
    /// carry the security headers.
    @Test func theConsoleIsOpenWithoutKeysOnLoopback() async throws {
        let db = try await TestDatabase.fresh()
        try await TestServer.with(databaseURL: db) { server in
            let page = try await request(.GET, port: server.port, "/", headers: [])
            #expect(page.status == 200 && page.body.contains(#"data-access="open""#) && page.body.contains(#"data-page="overview""#))
            #expect(page.headers["Content-Security-Policy"].first?.contains("script-src 'self'") == true)
            #expect(page.headers["X-Content-Type-Options"].first == "nosniff")
            let script = try await request(.GET, port: server.port, "/console/assets/common.js", headers: [])
            #expect(script.status == 200 && script.headers["Content-Type"].first?.hasPrefix("text/javascript") == true)
            #expect(try await request(.GET, port: server.port, "/console/assets/nothing.js", headers: []).status == 404)
            #expect(try await request(.GET, port: server.port, "/v1/overview", headers: []).json["events"] as? Int == 0)
            #expect(try await request(.GET, port: server.port, "/sessions/not-a-uuid", headers: []).status == 200, "the page shows the API's 400")
        }
    }

    @Test func aProjectKeySeesOnlyItsProject() async throws {
        try await withWorkload { server, f in
            let base = "http://127.0.0.1:\(server.port)"
            let seed = f.seed
            let others = Set(f.workload.sessions.filter { $0.project == f.projectB }.map(\.id))

            try await cookieChecks(server, f)

            try await Browser.with { browser in
                try await login(browser, base, key: f.keyA)
                try await visit(browser, base, "/sessions?range=7d", name: "sessions-project-key", seed: seed)
                let listed = try await browser.run("return [...document.querySelectorAll('tbody a')].map(a => a.getAttribute('href').split('/')[2])") as? [String] ?? []
                let own = f.workload.sessions.filter { $0.project == f.projectA }.count
                #expect(listed.count == own && others.isDisjoint(with: listed), "seed \(seed): project A's key lists \(listed.count) sessions")

                try await browser.open(base + "/sessions/\(f.workload.secretSession)")
                try await browser.waitRendered("another project's session")
                #expect(try await browser.pageError().contains("session not found"), "seed \(seed)")
                #expect(try await browser.run("return document.querySelectorAll('#timeline li').length") as? Int == 0)
                #expect(try await browser.consoleErrors().allSatisfy { $0.contains("404") }, "only the API's 404 is logged")

                // Another project in the URL: the page keeps to the key's project.
                try await browser.open(base + "/sessions?range=7d&project=\(f.projectB)")
                try await browser.waitRendered("another project's list")
                let asked = try await browser.run("return [...document.querySelectorAll('tbody a')].map(a => a.getAttribute('href').split('/')[2])") as? [String] ?? []
                #expect(asked.count == own && others.isDisjoint(with: asked), "seed \(seed)")

                try await browser.open(base + "/costs?range=7d")
                try await browser.waitRendered("costs")
                let totals = try await browser.run("return [...document.querySelectorAll('tfoot .total')].map(n => Number(n.dataset.value))") as? [Any] ?? []
                let sqlCost = try await TestDatabase.query(f.db) { conn throws(StoreError) in
                    try conn.execute("SELECT sum((metrics->>'cost')::numeric)::text FROM agent_events WHERE project_id = $1::int", [String(f.projectA)]).value(String.self)
                }
                #expect(totals.count == 4)
                for t in totals { expectClose(number(t), Double(sqlCost), "project A's costs: page vs raw SQL", seed: seed) }

                try await browser.open(base + "/search?q=\(ConsoleWorkload.secretWord)")
                try await browser.waitRendered("search")
                #expect(try await browser.run("return document.querySelectorAll('#results li').length") as? Int ?? -1 == 0, "seed \(seed): no hit of project B")

                try await browser.open(base + "/?range=7d")
                try await browser.waitRendered("overview")
                let events = number(try await cards(browser)["events"])
                let sqlEvents = try await TestDatabase.query(f.db) { conn throws(StoreError) in
                    try conn.execute(#"SELECT count(*) FROM agent_events WHERE project_id = $1::int AND "timestamp" >= $2::timestamptz"#,
                                     [String(f.projectA), Date().addingTimeInterval(-8 * 86400).ISO8601Format()]).value(Int.self)
                }
                #expect(events == Double(sqlEvents), "seed \(seed): project A's overview counts its events only")
                #expect(try await browser.consoleErrors() == [])

                // Logging out forgets the key.
                try await browser.run("document.querySelector('form[action=\"/logout\"]').submit()")
                try await waitUntil("logged out") { try await browser.run("return location.pathname") as? String == "/login" }
                try await browser.open(base + "/sessions")
                #expect(try await browser.run("return location.pathname") as? String == "/login")
            }
        }
    }
}
