/// How serious an event is; devlog's TypeScript set.
public enum Severity: String, Sendable, CaseIterable, Hashable {
    case debug, info, warning, error, critical
}
