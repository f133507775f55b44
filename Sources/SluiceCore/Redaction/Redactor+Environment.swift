import Foundation

extension Redactor {
    /// The redactor that `SLUICE_REDACT` (`on`, the default, or `off`) and `SLUICE_REDACT_RULES`
    /// (a rules file, see ``CustomRedactionRule``) ask for. Empty means unset.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(CustomRedactionRule.Invalid) -> Redactor {
        let custom = try env["SLUICE_REDACT_RULES"].flatMap { $0.isEmpty ? nil : $0 }.map { path throws(CustomRedactionRule.Invalid) in
            try CustomRedactionRule.load(path)
        } ?? []
        switch env["SLUICE_REDACT"]?.lowercased() {
        case nil, "", "on": return Redactor(custom: custom)
        case "off": return custom.isEmpty ? .disabled : Redactor(rules: [], custom: custom)
        case let other?:
            throw CustomRedactionRule.Invalid(description: "SLUICE_REDACT=\(other): expected on or off")
        }
    }
}
