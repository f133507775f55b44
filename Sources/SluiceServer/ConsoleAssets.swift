import Foundation
import NIOCore

/// The console's files (`Sources/SluiceServer/Console`: HTML shells, CSS, hand-written scripts),
/// read once from the module's resources and served from memory. Nothing is fetched from another
/// host and nothing is built: what is in the folder is what the browser gets.
struct ConsoleAssets: Sendable {
    struct Asset: Sendable {
        var bytes: ByteBuffer
        var contentType: String
    }

    /// Served under `/console/assets/`, by file name.
    let files: [String: Asset]
    /// The page shell (`shell.html`) and the login page (`login.html`), as text with `{{name}}` slots.
    let shell: String
    let login: String

    /// Reads the folder; a missing folder or shell is a broken build, named.
    static func load() throws(ConsoleError) -> ConsoleAssets {
        guard let folder = Bundle.module.url(forResource: "Console", withExtension: nil) else {
            throw .missingResources("the Console folder is not in the SluiceServer resource bundle")
        }
        var files: [String: Asset] = [:]
        var shell: String?
        var login: String?
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
            switch name {
            case "shell.html": shell = String(decoding: data, as: UTF8.self)
            case "login.html": login = String(decoding: data, as: UTF8.self)
            default:
                guard let type = contentType(of: name) else { continue }
                files[name] = Asset(bytes: ByteBuffer(bytes: data), contentType: type)
            }
        }
        guard let shell, let login else { throw .missingResources("shell.html or login.html is missing from \(folder.path)") }
        return ConsoleAssets(files: files, shell: shell, login: login)
    }

    static func contentType(of name: String) -> String? {
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if name.hasSuffix(".svg") { return "image/svg+xml" }
        return nil
    }
}

/// Why the console cannot be served.
public enum ConsoleError: Error, CustomStringConvertible {
    case missingResources(String)

    public var description: String {
        switch self {
        case .missingResources(let what): "the web console's files are missing (\(what)); rebuild sluice"
        }
    }
}

/// Escapes text for HTML (element content and quoted attribute values).
func htmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}

/// `template` with each `{{name}}` replaced by its value, HTML-escaped.
func filled(_ template: String, _ values: [String: String]) -> String {
    var out = template
    for (name, value) in values { out = out.replacingOccurrences(of: "{{\(name)}}", with: htmlEscaped(value)) }
    return out
}
