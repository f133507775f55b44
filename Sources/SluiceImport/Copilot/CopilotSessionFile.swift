import Foundation

/// Reads a VS Code chat session file (`workspaceStorage/<hash>/chatSessions/<id>.json`, or the
/// newer `.jsonl` operation log) into the session object (`[String: Any]` from JSONSerialization).
///
/// The `.jsonl` form is replayed line by line: `kind` 0 is the initial state (`v`), 1 sets the
/// value at key path `k`, 2 appends the items `v` to the array at `k` (after truncating it to
/// index `i` when given), 3 deletes the value at `k`. An unreadable line is reported and skipped;
/// an incomplete last line (no newline yet) is left for later.
public enum CopilotSessionFile {
    public struct Loaded {
        public var session: [String: Any]
        public var problems: [(line: Int, message: String)] = []
        public var incompleteLastLine = false
        public var lines = 0
    }

    public static func load(_ data: Data, jsonl: Bool) throws -> Loaded {
        guard jsonl else {
            guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ImportError("not a JSON chat session object (is the file still being written? it is retried next time)")
            }
            return Loaded(session: obj, lines: 1)
        }
        var loaded = Loaded(session: [:])
        var root: Any = [String: Any]()
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            guard let nl = data[start...].firstIndex(of: 0x0A) else { loaded.incompleteLastLine = true; break }
            lineNumber += 1
            let line = data[start..<nl]
            start = nl + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            loaded.lines += 1
            guard let entry = try? JSONSerialization.jsonObject(with: line) as? [String: Any], let kind = (entry["kind"] as? NSNumber)?.intValue else {
                loaded.problems.append((lineNumber, "not a JSON object with a numeric \"kind\""))
                continue
            }
            let path = (entry["k"] as? [Any]) ?? []
            switch kind {
            case 0: root = entry["v"] ?? [String: Any]()
            case 1: root = set(root, path[...], entry["v"] ?? NSNull())
            case 2: root = push(root, path[...], (entry["v"] as? [Any]) ?? [], truncateAt: (entry["i"] as? NSNumber)?.intValue)
            case 3: root = delete(root, path[...])
            default: loaded.problems.append((lineNumber, "unknown kind \(kind)"))
            }
        }
        loaded.session = root as? [String: Any] ?? [:]
        return loaded
    }

    private static func key(_ k: Any) -> (String?, Int?) {
        if let s = k as? String { return (s, Int(s)) }
        if let n = k as? NSNumber { return (n.stringValue, n.intValue) }
        return (nil, nil)
    }

    private static func set(_ node: Any, _ path: ArraySlice<Any>, _ value: Any) -> Any {
        guard let first = path.first else { return value }
        let (name, index) = key(first)
        if var array = node as? [Any], let index, index >= 0 {
            while array.count <= index { array.append([String: Any]()) }
            array[index] = set(array[index], path.dropFirst(), value)
            return array
        }
        var object = node as? [String: Any] ?? [:]
        guard let name else { return node }
        object[name] = set(object[name] ?? [String: Any](), path.dropFirst(), value)
        return object
    }

    private static func push(_ node: Any, _ path: ArraySlice<Any>, _ items: [Any], truncateAt: Int?) -> Any {
        guard let first = path.first else {
            var array = node as? [Any] ?? []
            if let i = truncateAt, i >= 0, i < array.count { array.removeSubrange(i...) }
            return array + items
        }
        let (name, index) = key(first)
        if var array = node as? [Any], let index, index >= 0, index < array.count {
            array[index] = push(array[index], path.dropFirst(), items, truncateAt: truncateAt)
            return array
        }
        var object = node as? [String: Any] ?? [:]
        guard let name else { return node }
        object[name] = push(object[name] ?? [Any](), path.dropFirst(), items, truncateAt: truncateAt)
        return object
    }

    private static func delete(_ node: Any, _ path: ArraySlice<Any>) -> Any {
        guard let first = path.first else { return node }
        let (name, index) = key(first)
        let last = path.count == 1
        if var array = node as? [Any], let index, index >= 0, index < array.count {
            if last { array.remove(at: index) } else { array[index] = delete(array[index], path.dropFirst()) }
            return array
        }
        guard var object = node as? [String: Any], let name else { return node }
        if last { object[name] = nil } else if let child = object[name] { object[name] = delete(child, path.dropFirst()) }
        return object
    }
}
