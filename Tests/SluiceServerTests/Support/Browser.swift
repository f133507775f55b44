import Foundation
import NIOCore
import NIOHTTP1
import SluiceProcess
import SluiceTestSupport

/// A headless Chromium (Debian's `chromium`) driven over the W3C WebDriver protocol by Debian's
/// `chromedriver`, started on a free loopback port and stopped by ``with(_:)``.
struct Browser: Sendable {
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"
    static var installed: Bool {
        FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: chromedriver)
    }

    let driver: ChildProcess
    let port: Int
    let session: String

    /// Runs `body` with a new browser, then closes it and stops chromedriver, whether `body` returned or threw.
    static func with<T>(_ body: (Browser) async throws -> T) async throws -> T {
        guard installed else {
            throw TestFailure("\(chromium) and \(chromedriver) are needed (Debian's chromium and chromium-driver: scripts/install-deps.sh installs them)")
        }
        let port = try LoopbackPort.free()
        let driver = try ChildProcess.spawn([chromedriver, "--port=\(port)"], output: .discard)
        do {
            try await waitUntil("chromedriver listens on \(port)", timeout: .seconds(60)) { LoopbackPort.accepts(port) || driver.exit != nil }
            if let exit = driver.exit { throw TestFailure("chromedriver \(exit) before listening") }
            let profile = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-chromium-\(UUID().uuidString)").path
            let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
                "browserName": "chrome",
                "goog:chromeOptions": ["binary": chromium, "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800",
                    "--hide-scrollbars", "--no-first-run", "--no-default-browser-check", "--user-data-dir=\(profile)"]],
                "goog:loggingPrefs": ["browser": "ALL"],
            ] as [String: Any]]]
            let created = try await call(port, .POST, "/session", capabilities, timeout: .seconds(120))
            guard let session = (created["value"] as? [String: Any])?["sessionId"] as? String else {
                throw TestFailure("chromedriver did not create a session: \(created)")
            }
            let browser = Browser(driver: driver, port: port, session: session)
            do {
                let result = try await body(browser)
                await browser.close(profile: profile)
                return result
            } catch {
                await browser.close(profile: profile)
                throw error
            }
        } catch {
            driver.signal(SIGTERM)
            _ = await driver.wait()
            throw error
        }
    }

    private func close(profile: String) async {
        _ = try? await Self.call(port, .DELETE, "/session/\(session)", nil)
        driver.signal(SIGTERM)
        _ = await driver.wait()
        try? FileManager.default.removeItem(atPath: profile)
    }

    /// One WebDriver command; a command that fails throws the driver's message.
    @discardableResult
    static func call(_ port: Int, _ method: HTTPMethodName, _ path: String, _ body: [String: Any]?, timeout: Duration = .seconds(60)) async throws -> [String: Any] {
        let bytes = try body.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        let seconds = Int64(timeout.components.seconds)
        let r = try await request(method.nio, port: port, path, body: bytes ?? (method == .POST ? Array("{}".utf8) : nil), timeout: .seconds(seconds))
        let json = r.json
        if r.status != 200 {
            let value = json["value"] as? [String: Any]
            throw TestFailure("WebDriver \(method) \(path): \(r.status) \(value?["error"] ?? "") \(value?["message"] ?? r.body)")
        }
        return json
    }

    enum HTTPMethodName: String { case GET, POST, DELETE }

    @discardableResult
    func command(_ method: HTTPMethodName, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        try await Self.call(port, method, "/session/\(session)\(path)", body)["value"] ?? nil
    }

    /// Opens `url` and waits until its document has loaded.
    func open(_ url: String) async throws {
        try await command(.POST, "/url", ["url": url])
    }

    /// Runs `script` (a function body: `return …`) in the page and returns its value.
    func run(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command(.POST, "/execute/sync", ["script": script, "args": arguments])
    }

    /// Waits until the page has rendered at least `renders` times (``S.rendered`` in common.js).
    func waitRendered(_ what: String, renders: Int = 1) async throws {
        try await waitUntil("\(what) rendered", timeout: .seconds(60)) {
            let n = try await run("return Number(document.body && document.body.dataset.renders || 0)") as? Int ?? 0
            return n >= renders
        }
    }

    /// The page's `#error` text ("" when hidden).
    func pageError() async throws -> String {
        try await run("const e = document.getElementById('error'); return e && !e.hidden ? e.textContent : ''") as? String ?? ""
    }

    /// Console messages of level SEVERE since the last call (chromedriver's browser log).
    func consoleErrors() async throws -> [String] {
        let entries = try await command(.POST, "/se/log", ["type": "browser"]) as? [[String: Any]] ?? []
        return entries.filter { $0["level"] as? String == "SEVERE" }.map { "\($0["message"] ?? "")" }
    }

    /// Light or dark `prefers-color-scheme` for the pages that follow (DevTools emulation).
    func colorScheme(_ scheme: String) async throws {
        try await command(.POST, "/goog/cdp/execute", ["cmd": "Emulation.setEmulatedMedia",
                                                       "params": ["features": [["name": "prefers-color-scheme", "value": scheme]]]])
    }

    /// Sets the viewport (1280×800 for the screenshots; a phone's for the narrow layout).
    func viewport(width: Int, height: Int) async throws {
        try await command(.POST, "/goog/cdp/execute", ["cmd": "Emulation.setDeviceMetricsOverride",
                                                       "params": ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 800]])
    }

    /// A PNG of the viewport, written to `path`.
    func screenshot(to path: String) async throws {
        guard let base64 = try await command(.GET, "/screenshot") as? String, let data = Data(base64Encoded: base64) else {
            throw TestFailure("no screenshot")
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }
}

extension Browser.HTTPMethodName {
    var nio: NIOHTTP1.HTTPMethod {
        switch self {
        case .GET: .GET
        case .POST: .POST
        case .DELETE: .DELETE
        }
    }
}
