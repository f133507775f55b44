/// A configuration variable whose value cannot be used: `SLUICE_WRITERS=two: expected a whole
/// number from 1 to 64`. Fix or unset the variable.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var variable: String
    public var value: String
    /// What it accepts, as a phrase.
    public var expected: String

    public init(variable: String, value: String, expected: String) {
        self.variable = variable
        self.value = value
        self.expected = expected
    }

    public var description: String { "\(variable)=\(value): expected \(expected)" }
}
