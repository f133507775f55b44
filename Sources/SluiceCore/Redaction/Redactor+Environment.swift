extension Redactor {
    /// The redactor that `SLUICE_REDACT` (`on`, the default, or `off`) and `SLUICE_REDACT_RULES`
    /// (a rules file, see ``CustomRedactionRule``) ask for.
    public static func fromEnvironment(_ env: Configuration = .current) throws(ConfigurationError) -> Redactor {
        var custom: [CustomRedactionRule] = []
        if let path = env.string("SLUICE_REDACT_RULES") {
            do {
                custom = try CustomRedactionRule.load(path)
            } catch {
                throw ConfigurationError(variable: "SLUICE_REDACT_RULES", value: path,
                                         expected: "a JSON file of [{\"name\": …, \"pattern\": …}] rules (\(error.description))")
            }
        }
        let on = try env.value("SLUICE_REDACT", default: true, expected: "on or off") { text in
            switch text.lowercased() {
            case "on": true
            case "off": false
            default: nil
            }
        }
        if on { return Redactor(custom: custom) }
        return custom.isEmpty ? .disabled : Redactor(rules: [], custom: custom)
    }
}
