import MeridianLoad

/// Loads YAML text under a fixed file name.
func load(_ yaml: String, file: String = "test.yaml") -> LoadedConfiguration {
    ConfigurationLoader.load(yaml: yaml, fileName: file)
}

/// The rendered errors of a load, for exact comparisons.
func errorLines(_ yaml: String, file: String = "test.yaml") -> [String] {
    load(yaml, file: file).errors.map(\.description)
}
