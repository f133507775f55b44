import Foundation

/// Finds the files to import under the given paths (files or directories, searched recursively).
public enum TranscriptDiscovery {
    /// Claude Code transcripts: `*.jsonl` outside `subagents/`, and `agent-*.jsonl` inside it
    /// (workflow journals and other files there are not transcripts). Main transcripts come
    /// first, so a message that a subagent file replays is counted from the main chain.
    public static func claudeFiles(_ paths: [String]) -> [String] {
        var main: [String] = [], sub: [String] = []
        for path in allFiles(paths) where path.hasSuffix(".jsonl") {
            if path.contains("/subagents/") {
                if (path as NSString).lastPathComponent.hasPrefix("agent-") { sub.append(path) }
            } else {
                main.append(path)
            }
        }
        return main.sorted() + sub.sorted()
    }

    /// VS Code chat sessions: `chatSessions/*.json` and `chatSessions/*.jsonl`.
    public static func copilotFiles(_ paths: [String]) -> [String] {
        allFiles(paths).filter { p in
            (p.hasSuffix(".json") || p.hasSuffix(".jsonl")) && (p as NSString).deletingLastPathComponent.hasSuffix("chatSessions")
        }.sorted()
    }

    static func allFiles(_ paths: [String]) -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { continue }
            if !isDir.boolValue { out.append(p); continue }
            guard let e = fm.enumerator(atPath: p) else { continue }
            while let rel = e.nextObject() as? String {
                let full = (p as NSString).appendingPathComponent(rel)
                var d: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue { out.append(full) }
            }
        }
        return out
    }

    /// The folder a VS Code workspace storage directory belongs to (its `workspace.json`).
    public static func copilotWorkspace(forSessionFile path: String) -> CopilotMapper.Workspace {
        let storage = ((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let hash = (storage as NSString).lastPathComponent
        var folder: String?
        if let data = FileManager.default.contents(atPath: (storage as NSString).appendingPathComponent("workspace.json")),
           let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let uri = (obj["folder"] as? String) ?? (obj["workspace"] as? String) {
            folder = URL(string: uri).map { $0.isFileURL ? $0.path : uri } ?? uri
        }
        return .init(storageHash: hash.isEmpty ? nil : hash, folder: folder)
    }
}
