import Foundation
import SluiceCore

/// Deterministic event ids: UUIDv5 in Sluice's import namespace of a name made from the source
/// (`claude/tool/<tool_use id>`, `claude/response/<message id>/<request id>`, …). Importing the
/// same transcript twice, or a grown copy of it, yields the same ids and timestamps, so the log
/// stores each event once (its key is (id, timestamp)).
public enum EventIds {
    /// UUIDv5(URL namespace, "https://sluice.dev/import").
    public static let namespace = UUID.v5(namespace: .namespaceURL, name: "https://sluice.dev/import")

    public static func id(_ name: String) -> UUID { .v5(namespace: namespace, name: name) }

    /// A session id from a transcript: the UUID itself, or a UUIDv5 of a non-UUID name.
    public static func session(_ raw: String, source: String) -> UUID {
        UUID(uuidString: raw) ?? id("\(source)/session/\(raw)")
    }
}
