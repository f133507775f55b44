import Foundation

/// Configuration variables of the environment, each kind parsed here once.
///
/// An empty variable is unset everywhere; a value that does not parse is a
/// ``ConfigurationError`` naming the variable, the value and what is accepted, so that a typo
/// fails at start instead of running with a default.
public struct Configuration: Sendable {
    public var variables: [String: String]

    public init(_ variables: [String: String]) { self.variables = variables }

    /// This process's environment.
    public static var current: Configuration { Configuration(ProcessInfo.processInfo.environment) }

    /// The value of `name`, nil when it is unset or empty.
    public func string(_ name: String) -> String? {
        variables[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The value of `name`, `fallback` when it is unset or empty.
    public func string(_ name: String, default fallback: String) -> String {
        string(name) ?? fallback
    }

    /// A path, nil when unset or empty.
    public func path(_ name: String) -> URL? {
        string(name).map { URL(fileURLWithPath: $0) }
    }

    /// A whole number in `range`, `fallback` when unset or empty.
    public func integer<T: FixedWidthInteger & Sendable>(
        _ name: String, default fallback: T, in range: ClosedRange<T>
    ) throws(ConfigurationError) -> T {
        try value(name, default: fallback, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)") { text in
            T(text).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    /// One of `choices` (by raw value), `fallback` when unset or empty.
    public func choice<T: RawRepresentable & Sendable>(
        _ name: String, default fallback: T, of choices: [T]
    ) throws(ConfigurationError) -> T where T.RawValue == String {
        let names = choices.map(\.rawValue)
        let expected = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
        return try value(name, default: fallback, expected: expected) { text in choices.first { $0.rawValue == text } }
    }

    /// The value of `name` through `parse`, which returns nil for a value it does not accept;
    /// `expected` says what it accepts.
    public func value<T>(
        _ name: String, default fallback: T, expected: String, parse: (String) -> T?
    ) throws(ConfigurationError) -> T {
        guard let text = string(name) else { return fallback }
        guard let value = parse(text) else { throw ConfigurationError(variable: name, value: text, expected: expected) }
        return value
    }
}

extension Configuration {
    /// One of the cases of `T` (by raw value), `fallback` when unset or empty.
    public func choice<T: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, default fallback: T
    ) throws(ConfigurationError) -> T where T.RawValue == String {
        try choice(name, default: fallback, of: Array(T.allCases))
    }
}
