/// The version of Sluice, written into archive manifests and printed by `sluice --version`.
public let sluiceVersion = "0.4.0"
